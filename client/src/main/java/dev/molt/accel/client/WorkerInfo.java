package dev.molt.accel.client;

import java.time.Duration;

/**
 * A snapshot of one worker of a client, for diagnostics (the Spring starter's {@code molt}
 * Actuator endpoint). Immutable.
 *
 * @param id the process id of a child worker (as text), or the endpoint address of a socket worker
 * @param state {@code starting}, {@code ready}, {@code spare} (ready, taking no calls),
 *     {@code draining} (finishing its calls before it closes) or {@code dead}
 * @param inFlight calls sent to it and not yet answered
 * @param calls request ids it has used (calls, retries, pings and probes)
 * @param age time since it was started
 * @param rssBytes its resident set size from {@code /proc}, or -1 where unknown (a socket worker,
 *     no {@code /proc})
 */
public record WorkerInfo(String id, String state, int inFlight, long calls, Duration age, long rssBytes) {
}
