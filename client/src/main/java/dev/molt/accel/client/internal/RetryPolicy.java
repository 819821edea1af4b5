package dev.molt.accel.client.internal;

/**
 * What to do after an attempt failed, as a pure function of the failure, the call's retry options,
 * what it used so far and the time it has left. No clock, no threads, no state: the engine supplies
 * every input, so the policy is tested without processes or waiting.
 *
 * <p>Rules: a call whose worker was lost (died, sent garbage) is re-sent at once when it is
 * idempotent and has restarts left; {@code Busy} is retried when {@code retryOnBusy}; a timeout
 * reported by the worker is retried when the call is idempotent and {@code retryOnTimeout}; each
 * retry waits {@code backoff << retriesUsed}, capped at {@code backoffMax}. No retry starts at or
 * past the call's deadline: when the wait would reach it, the call fails with the failure it has.
 */
public final class RetryPolicy {

    /** No deadline: the time left of a call without a timeout. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    /** The kind of failure an attempt ended with. */
    public enum Failure {
        /** The worker answered {@code Busy}: it did not run the request. */
        BUSY,
        /** The worker answered {@code Timeout}, or the client gave up on the attempt. */
        TIMEOUT,
        /** The worker died, its pipe broke or it sent garbage: it may have run the request. */
        WORKER_LOST,
        /** Anything else ({@code InvalidInput}, {@code InternalError}, cancelled): never retried. */
        OTHER
    }

    /** The outcome of {@link #decide}. */
    public enum Action {
        /** Send again now, on a working worker; counts as a restart. */
        RESEND,
        /** Send again after {@link Decision#delayNanos()}; counts as a retry. */
        RETRY,
        /** Fail the call with the attempt's failure. */
        FAIL
    }

    /**
     * A decision.
     *
     * @param action what to do
     * @param delayNanos how long to wait before a {@link Action#RETRY}; 0 otherwise
     */
    public record Decision(Action action, long delayNanos) {

        static final Decision FAIL = new Decision(Action.FAIL, 0);
        static final Decision RESEND = new Decision(Action.RESEND, 0);

        public Decision {
            if (delayNanos < 0) {
                throw new IllegalArgumentException("delayNanos < 0: " + delayNanos);
            }
        }
    }

    /**
     * The retry options of one call.
     *
     * @param idempotent whether the call may run twice
     * @param retryOnBusy whether {@code Busy} is retried
     * @param retryOnTimeout whether a timeout is retried (idempotent calls only)
     * @param maxRetries retries allowed after {@code Busy} or a timeout
     * @param backoffNanos first wait between retries
     * @param backoffMaxNanos largest wait between retries
     * @param maxRestarts re-sends allowed after the worker was lost (idempotent calls only)
     * @param pinned whether the call must go to one given worker (readiness and liveness pings): never retried
     */
    public record Options(boolean idempotent, boolean retryOnBusy, boolean retryOnTimeout, int maxRetries,
            long backoffNanos, long backoffMaxNanos, int maxRestarts, boolean pinned) {
    }

    private RetryPolicy() {
    }

    /**
     * Decides what follows a failed attempt.
     *
     * @param failure the kind of failure
     * @param o the call's retry options
     * @param retriesUsed retries made so far
     * @param restartsUsed re-sends after a lost worker made so far
     * @param nanosLeft time left before the call's deadline ({@link #NO_DEADLINE} for none); zero or
     *     less means the deadline has passed
     * @param closed whether the client is closing
     */
    public static Decision decide(Failure failure, Options o, int retriesUsed, int restartsUsed, long nanosLeft,
            boolean closed) {
        if (closed || o.pinned() || nanosLeft <= 0) {
            return Decision.FAIL;
        }
        switch (failure) {
            case WORKER_LOST -> {
                return o.idempotent() && restartsUsed < o.maxRestarts() ? Decision.RESEND : Decision.FAIL;
            }
            case BUSY, TIMEOUT -> {
                boolean wanted = failure == Failure.BUSY ? o.retryOnBusy() : o.retryOnTimeout() && o.idempotent();
                if (!wanted || retriesUsed >= o.maxRetries()) {
                    return Decision.FAIL;
                }
                long delay = backoff(o.backoffNanos(), o.backoffMaxNanos(), retriesUsed);
                return delay < nanosLeft ? new Decision(Action.RETRY, delay) : Decision.FAIL;
            }
            default -> {
                return Decision.FAIL;
            }
        }
    }

    /** {@code initial << retriesUsed}, capped at {@code max}, without overflow. */
    static long backoff(long initial, long max, int retriesUsed) {
        if (initial <= 0) {
            return 0;
        }
        int shift = Math.min(retriesUsed, 62);
        long d = initial > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : initial << shift;
        return Math.min(d, Math.max(max, initial));
    }
}
