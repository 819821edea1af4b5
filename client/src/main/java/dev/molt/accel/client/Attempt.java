package dev.molt.accel.client;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One sending of a call to one worker process, under one request id. Exactly one of the answer,
 * the client-side timeout, the caller's cancel or the worker's death settles it.
 */
final class Attempt {

    final Call call;
    final WorkerProcess worker;
    final long id;
    final long sentNanos;
    /** {@code System.nanoTime()} after which the client gives up on it; 0 for none. */
    final long deadlineNanos;
    private final AtomicBoolean settled = new AtomicBoolean();
    /** The call no longer waits for this attempt, but the worker may still be running it. */
    volatile boolean abandoned;
    /** The request frame has been handed to the pipe. */
    volatile boolean written;

    Attempt(Call call, WorkerProcess worker, long id) {
        this.call = call;
        this.worker = worker;
        this.id = id;
        this.sentNanos = System.nanoTime();
        long timeout = call.options.timeoutNanos();
        this.deadlineNanos = timeout > 0 ? nonZero(sentNanos + timeout) : 0L;
    }

    private static long nonZero(long t) {
        return t == 0 ? 1 : t;
    }

    /** Claims the right to decide this attempt's outcome; true for the first caller only. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    boolean isSettled() {
        return settled.get();
    }
}
