package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltResult;

import dev.molt.accel.protocol.ResponseEnvelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call as its caller sees it: a future that completes once, across the attempts that retries
 * and restarts may make, within one deadline taken when the call starts. Cancelling it cancels the
 * attempt in flight.
 *
 * <p>Its outcome is decided once ({@link #decide()}); an asynchronous call's future is then
 * completed on the callback executor, a blocking call's directly (its caller runs the response
 * hooks and the listener when it wakes up).
 */
final class Call extends CompletableFuture<MoltResult> {

    final ClientCore core;
    final String entry;
    final byte[] payload;
    final CallOptions options;
    final long startNanos;
    /** Set for readiness and liveness pings, which must go to one given process. */
    final WorkerProcess pinned;
    /** Whether the future was given to a user ({@code callAsync}): it completes on the callback executor. */
    final boolean async;
    /** The call's budget in nanoseconds; 0 for none. */
    final long timeoutNanos;
    /** Absolute deadline in ticker time; 0 for none. Re-based once if the call waited for the client's first worker. */
    volatile long deadlineNanos;

    /** Re-sends after a worker died; touched by one attempt at a time. */
    int restartsUsed;
    /** Re-sends after Busy or Timeout; touched by one attempt at a time. */
    int retriesUsed;
    /**
     * Attempts moved to another worker before their frame was written (their worker died or was
     * retired first): they cost no restart, whatever the call's idempotency, but are bounded.
     */
    int redirects;
    /** Attempts made (frames sent or about to be). */
    volatile int attempts;
    volatile Attempt attempt;
    /** The call waits for a worker to start. */
    volatile boolean waitingForStart;
    /** Set before a blocking call's future completes: what its caller reports when it wakes up. */
    ResponseEnvelope lastResponse;
    long lastClientNanos;
    String outcome;
    private final AtomicBoolean decided = new AtomicBoolean();
    private final AtomicBoolean cancelHandled = new AtomicBoolean();
    /** A poll of the cancel check is queued on the callback executor. */
    final AtomicBoolean cancelPollQueued = new AtomicBoolean();

    Call(ClientCore core, String entry, byte[] payload, CallOptions options, WorkerProcess pinned, boolean async,
            long startNanos) {
        this.core = core;
        this.entry = entry;
        this.payload = payload;
        this.options = options;
        this.startNanos = startNanos;
        this.pinned = pinned;
        this.async = async;
        this.timeoutNanos = options.timeout().toNanos();
        this.deadlineNanos = timeoutNanos > 0 ? Attempt.nonZero(startNanos + timeoutNanos) : 0L;
    }

    /** Claims the right to decide the call's outcome; true for the first caller only. */
    boolean decide() {
        return decided.compareAndSet(false, true);
    }

    boolean isDecided() {
        return decided.get() || isDone();
    }

    RetryPolicy.Options retryOptions(int maxRestarts) {
        CallOptions o = options;
        return new RetryPolicy.Options(o.idempotent(), o.retryOnBusy(), o.retryOnTimeout(), o.maxRetries(),
                o.retryBackoff().toNanos(), o.retryBackoffMax().toNanos(), maxRestarts, pinned != null);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone() && !isCancelled()) {
            return false;
        }
        // counted before the future shows the cancel (a thread waiting on it then finds it in the
        // stats), and taken back by every cancel() but the one that handles it
        core.cancels.incrementAndGet();
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        // cancel() answers true again once cancelled: only the first one cleans up
        if (cancelled && cancelHandled.compareAndSet(false, true)) {
            core.outcomes.afterCancel(this, "cancelled by the caller");
        } else {
            core.cancels.decrementAndGet();
        }
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
