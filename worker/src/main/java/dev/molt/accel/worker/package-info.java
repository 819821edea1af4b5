/**
 * The Java worker runtime: serves the Molt worker protocol for Java handlers on a process's
 * stdin/stdout, and on Unix, TCP and TLS sockets.
 *
 * <p>Public API: {@link dev.molt.accel.worker.MoltWorker} (and its builder) runs the server, on
 * sockets as a {@link dev.molt.accel.worker.MoltWorkerServer};
 * {@link dev.molt.accel.worker.Export} binds a name and codecs to a
 * {@link dev.molt.accel.worker.MoltHandler}; handlers see a {@link dev.molt.accel.worker.MoltContext}
 * and may stop with {@link dev.molt.accel.worker.RequestCancelledException};
 * {@link dev.molt.accel.worker.MoltWorkerMain} is the bundled {@code molt-worker} with the demo
 * exports of {@code dev.molt.accel.worker.demo}. Every other class here is package-private
 * implementation.
 */
package dev.molt.accel.worker;
