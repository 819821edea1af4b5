package dev.molt.accel.client.internal;


import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One sending of a call to one worker process, under one request id. Exactly one of the answer,
 * the client-side deadline, the caller's cancel or the worker's death settles it.
 */
final class Attempt {

    final Call call;
    final WorkerProcess worker;
    final long id;
    /** Ticker time at which the attempt was made. */
    final long sentNanos;
    /** The call's deadline (ticker time) when the attempt was made; 0 for none. */
    final long deadlineNanos;
    private final AtomicBoolean settled = new AtomicBoolean();
    /** The call no longer waits for this attempt, but the worker may still be running it. */
    volatile boolean abandoned;
    /** NEW, then WRITTEN (the frame went to the pipe) or WITHDRAWN (it never will). */
    private final AtomicInteger writeState = new AtomicInteger();
    private static final int NEW = 0;
    private static final int WRITTEN = 1;
    private static final int WITHDRAWN = 2;

    Attempt(Call call, WorkerProcess worker, long id, long sentNanos) {
        this.call = call;
        this.worker = worker;
        this.id = id;
        this.sentNanos = sentNanos;
        this.deadlineNanos = call.deadlineNanos;
    }

    /** {@code t}, moved off 0 where 0 means "none" for a ticker value. */
    static long nonZero(long t) {
        return t == 0 ? 1 : t;
    }

    /** Claims the right to decide this attempt's outcome; true for the first caller only. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    /** Called by the writer, under the write lock, just before the frame goes out; false: do not write it. */
    boolean markWritten() {
        return writeState.compareAndSet(NEW, WRITTEN);
    }

    /**
     * Makes sure the frame is never written, unless it was already; true when it was not (the worker
     * never sees this request), false when it was (the worker may be running it).
     */
    boolean withdrawUnwritten() {
        return writeState.compareAndSet(NEW, WITHDRAWN) || writeState.get() == WITHDRAWN;
    }

    boolean isSettled() {
        return settled.get();
    }
}
