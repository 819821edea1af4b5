#!/bin/sh
# molt-worker inside the container image: serves (default) or probes (--probe ADDRESS).
# `exec` keeps the JVM as the process that receives SIGTERM.
# MOLT_WORKER_JAVA_OPTS adds JVM options to the serving JVM (split on white space).
JAR=/opt/molt/molt-accel-cli.jar
MAIN=dev.molt.accel.worker.MoltWorkerMain
if [ "${1:-}" = "--probe" ]; then
  # a probe lives for a second: small heap, no JIT tiers beyond C1, no extra GC threads
  exec java -Xlog:all=warning:stderr -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m \
    -cp "$JAR" "$MAIN" "$@"
fi
# shellcheck disable=SC2086
exec java -Xlog:all=warning:stderr -Xshare:auto -XX:MaxRAMPercentage=75 ${MOLT_WORKER_JAVA_OPTS:-} \
  -cp "$JAR" "$MAIN" "$@"
