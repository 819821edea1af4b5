package dev.molt.accel.client;

import java.time.Duration;

/**
 * Observes a client's worker lifecycle and calls, for metrics and logs. Methods are called on the
 * client's lifecycle and callback threads or a blocking caller's own thread, never on its reader or
 * timer threads: they must be fast, must not throw, and must not call back into the client.
 * Subclass and override what you need; {@link #NONE} does nothing.
 */
public abstract class MoltClientListener {

    /** A listener that does nothing. */
    public static final MoltClientListener NONE = new MoltClientListener() {
    };

    /** A worker process started and answered its readiness {@code __ping__}. */
    public void workerStarted(long pid, Duration startTime) {
    }

    /** A worker process was marked for replacement; {@code reason} says why. */
    public void workerReplaced(long pid, String reason) {
    }

    /** A worker process could not be started or did not become ready. */
    public void workerStartFailed(Throwable failure) {
    }

    /** A call was accepted and is about to be sent (it ends with {@link #callCompleted}). */
    public void callStarted(String entry) {
    }

    /**
     * A call ended.
     *
     * @param outcome {@code "ok"}, or the error code of the failure ({@code "MoltBusy"}, ...)
     */
    public void callCompleted(String entry, String outcome, long durationNanos) {
    }

    /** A call was cancelled and a {@code __cancel__} was sent for it. */
    public void callCancelled(String entry) {
    }

    /**
     * Called about once a second (at most once per pool upkeep tick) on the lifecycle executor while
     * the client is open and has started a worker, for listeners that summarise over time (a
     * rate-limited log writing what it held back once no new event comes).
     */
    public void periodic() {
    }
}
