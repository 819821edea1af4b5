package dev.molt.accel.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's rare timed events (retry backoffs, cancel-grace checks, a retiring worker's hard
 * limit, a wait for a worker start), kept beside the per-call deadlines that the sweeper scans. One
 * heap under one lock: these events happen on failure paths only, never once per successful call.
 * Times are in the engine ticker's nanoseconds. Thread-safe.
 *
 * <p>Tasks run on the thread that calls {@link #runDue}, the timer: they may only change state and
 * hand blocking work to an executor (see the package documentation).
 */
public final class TimerQueue {

    /** Returned by {@link #runDue} when nothing is queued. */
    public static final long NONE = Long.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(TimerQueue.class);

    private record Entry(long due, long seq, Runnable task) {
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> {
        int c = Long.compare(a.due - b.due, 0);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    });
    private long seq;

    /** Queues {@code task} to run at {@code due} or later. */
    public synchronized void add(long due, Runnable task) {
        queue.add(new Entry(due, seq++, task));
    }

    /** Runs the tasks due at {@code now}; returns when the next one is due, or {@link #NONE}. */
    public long runDue(long now) {
        List<Runnable> due = new ArrayList<>();
        long next;
        synchronized (this) {
            Entry e;
            while ((e = queue.peek()) != null && e.due - now <= 0) {
                due.add(queue.poll().task);
            }
            next = e == null ? NONE : e.due;
        }
        for (Runnable r : due) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("A timed engine task failed", e);
            }
        }
        return next;
    }

    /** Drops every queued task (on close). */
    public synchronized void clear() {
        queue.clear();
    }

    public synchronized int size() {
        return queue.size();
    }
}
