package dev.molt.accel.worker;

import java.util.Collection;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The deadlines of one session's calls: a single timer task, due at the earliest known deadline,
 * answers every call whose deadline passed and re-arms itself for the next. Thread-safe (armed by
 * the reader, run on the shared timer).
 */
final class DeadlineSweep {

    private static final long NOT_ARMED = Long.MAX_VALUE;

    private final Engine engine;
    private final Collection<Call> calls;
    /** When the sweep is next due ({@code System.nanoTime()}), or {@link #NOT_ARMED}. */
    private final AtomicLong sweepAt = new AtomicLong(NOT_ARMED);

    /** @param calls a live view of the session's calls in flight */
    DeadlineSweep(Engine engine, Collection<Call> calls) {
        this.engine = engine;
        this.calls = calls;
    }

    /**
     * Makes sure a deadline sweep runs no later than {@code at}. One sweep due at the earliest known
     * deadline replaces a timer task per request: a task per request wakes the timer thread every
     * time it becomes the earliest, which is every request when they arrive one at a time.
     */
    void arm(long at) {
        long current = sweepAt.get();
        while (current == NOT_ARMED || at - current < 0) {
            if (sweepAt.compareAndSet(current, at)) {
                try {
                    engine.schedule(this::sweep, Math.max(0L, at - System.nanoTime()));
                } catch (RejectedExecutionException e) {
                    // shutting down: remaining calls are aborted by the owner
                }
                return;
            }
            current = sweepAt.get();
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        long due = sweepAt.get();
        if (due != NOT_ARMED && due - now > 0) {
            return; // superseded by a later arming; that sweep runs at its own time
        }
        sweepAt.set(NOT_ARMED);
        long next = NOT_ARMED;
        for (Call call : calls) {
            if (!call.hasDeadline()) {
                continue;
            }
            long deadline = call.deadline();
            if (deadline - now <= 0) {
                call.onDeadline();
            } else if (next == NOT_ARMED || deadline - next < 0) {
                next = deadline;
            }
        }
        if (next != NOT_ARMED) {
            arm(next);
        }
    }
}
