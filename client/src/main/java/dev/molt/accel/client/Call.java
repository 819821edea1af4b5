package dev.molt.accel.client;

import java.util.concurrent.CompletableFuture;

/**
 * One call as its caller sees it: a future that completes once, across the attempts that retries
 * and restarts may make. Cancelling it cancels the attempt in flight.
 */
final class Call extends CompletableFuture<MoltResult> {

    final ClientCore core;
    final String entry;
    final byte[] payload;
    final CallOptions options;
    final long startNanos;
    /** Set for readiness pings, which must go to one given process. */
    final WorkerProcess pinned;

    /** Re-sends after a worker died; touched by one attempt at a time. */
    int restartsUsed;
    /** Re-sends after Busy or Timeout; touched by one attempt at a time. */
    int retriesUsed;
    volatile Attempt attempt;
    /** The call waits for a worker to start. */
    volatile boolean waitingForStart;
    private final java.util.concurrent.atomic.AtomicBoolean cancelHandled = new java.util.concurrent.atomic.AtomicBoolean();

    Call(ClientCore core, String entry, byte[] payload, CallOptions options, WorkerProcess pinned) {
        this.core = core;
        this.entry = entry;
        this.payload = payload;
        this.options = options;
        this.startNanos = System.nanoTime();
        this.pinned = pinned;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        // cancel() answers true again once cancelled: only the first one cleans up
        if (cancelled && cancelHandled.compareAndSet(false, true)) {
            core.afterCancel(this, "cancelled by the caller");
        }
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
