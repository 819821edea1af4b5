package dev.molt.accel.client;

import java.util.concurrent.ScheduledFuture;
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
    private final AtomicBoolean settled = new AtomicBoolean();
    /** The call no longer waits for this attempt, but the worker may still be running it. */
    volatile boolean abandoned;
    /** The request frame has been handed to the pipe. */
    volatile boolean written;
    volatile ScheduledFuture<?> timeoutTask;

    Attempt(Call call, WorkerProcess worker, long id) {
        this.call = call;
        this.worker = worker;
        this.id = id;
        this.sentNanos = System.nanoTime();
    }

    /** Claims the right to decide this attempt's outcome; true for the first caller only. */
    boolean settle() {
        boolean first = settled.compareAndSet(false, true);
        if (first) {
            ScheduledFuture<?> t = timeoutTask;
            if (t != null) {
                t.cancel(false);
            }
        }
        return first;
    }

    boolean isSettled() {
        return settled.get();
    }
}
