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
 * @param position the position of the pool it takes calls for (0 to size - 1), or -1 (a spare, a
 *     worker draining or starting)
 * @param positionRestarts how often the worker at {@code position} was replaced after a failure (it
 *     exited, broke the protocol, timed out or missed a health probe) since the client started; 0
 *     without a position
 * @param positionRecycles how often the worker at {@code position} was recycled (calls, age or
 *     memory limit); 0 without a position
 */
public record WorkerInfo(String id, String state, int inFlight, long calls, Duration age, long rssBytes,
        int position, long positionRestarts, long positionRecycles) {

    /** A worker without a position (or of a client that does not track positions). */
    public WorkerInfo(String id, String state, int inFlight, long calls, Duration age, long rssBytes) {
        this(id, state, inFlight, calls, age, rssBytes, -1, 0, 0);
    }
}
