package dev.molt.accel.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deadlines of one client: one sweep, due at the earliest deadline, on the client's single timer
 * thread, plus the rare timed events of a {@link TimerQueue}. Runs on the timer only: it changes
 * state and hands work off, never writes, spawns, closes or runs user code.
 */
final class Sweeper {

    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);
    private static final long CANCEL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NOT_ARMED = Long.MAX_VALUE;

    private final ClientCore core;
    final ScheduledThreadPoolExecutor timer;
    final TimerQueue timers = new TimerQueue();
    /** When the sweeper is next due (ticker time), or {@link #NOT_ARMED}. */
    private final AtomicLong sweepAt = new AtomicLong(NOT_ARMED);

    Sweeper(ClientCore core, int clientId) {
        this.core = core;
        this.timer = new ScheduledThreadPoolExecutor(1, EngineThreads.named("molt-accel-timer-" + clientId, false));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** Stops the timer and drops every timed event (on close). */
    void shutdown() {
        timer.shutdownNow();
        timers.clear();
    }
    void addTimer(long due, Runnable task) {
        timers.add(due, task);
        armSweeper(due);
    }

    /**
     * Makes sure the sweeper runs no later than {@code at}. Deadlines are not scheduled one task
     * per call: a per-call timer task costs a wake-up of the timer thread whenever it becomes the
     * earliest, which is every call when calls run one at a time. Instead one sweep, due at the
     * earliest deadline known, checks every attempt in flight and schedules the next sweep.
     */
    void armSweeper(long at) {
        long current = sweepAt.get();
        while (current == NOT_ARMED || at - current < 0) {
            if (sweepAt.compareAndSet(current, at)) {
                try {
                    timer.schedule(() -> sweep(false), Math.max(0L, at - core.now()), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // closing: the calls are failed by close()
                }
                return;
            }
            current = sweepAt.get();
        }
    }

    /** Runs a sweep now on the timer thread and waits for it: for tests that move a fake ticker. */
    void sweepNow() {
        try {
            timer.submit(() -> sweep(true)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("sweep failed", e);
        }
    }

    /** On the timer: marks calls past their deadline timed out, queues cancel polls, runs due timers. */
    void sweep(boolean forced) {
        long now = core.now();
        long due = sweepAt.get();
        if (!forced && due != NOT_ARMED && due - now > 0) {
            return; // an earlier sweep was scheduled after this one; it will run at its time
        }
        sweepAt.set(NOT_ARMED);
        long next = NOT_ARMED;
        List<Call> polls = null;
        for (WorkerProcess w : core.processes) {
            long writeDeadline = w.writeDeadline();
            if (writeDeadline != 0) {
                if (writeDeadline - now <= 0) {
                    if (w.flagStuckWrite()) {
                        core.onLifecycle(() -> core.supervisor.onStuckWrite(w));
                    }
                } else {
                    next = earlier(next, writeDeadline);
                }
            }
            for (Attempt a : w.pending.values()) {
                if (a.isSettled()) {
                    continue;
                }
                long deadline = a.call.deadlineNanos;
                if (deadline != 0 && deadline - now <= 0) {
                    core.outcomes.onClientTimeout(a, now);
                    continue;
                }
                if (a.call.options.cancelCheck() != null) {
                    if (a.call.cancelPollQueued.compareAndSet(false, true)) {
                        if (polls == null) {
                            polls = new ArrayList<>();
                        }
                        polls.add(a.call);
                    }
                    next = earlier(next, now + CANCEL_POLL_NANOS);
                } else if (deadline != 0) {
                    next = earlier(next, deadline);
                }
            }
        }
        long timed = timers.runDue(now);
        if (timed != TimerQueue.NONE) {
            next = earlier(next, timed);
        }
        if (polls != null) {
            List<Call> toPoll = polls;
            CompletionBatch.execute(core.callbacks, () -> pollCancels(toPoll));
        }
        if (next != NOT_ARMED) {
            armSweeper(next);
        }
    }

    static long earlier(long a, long b) {
        return a == NOT_ARMED || b - a < 0 ? b : a;
    }

    /** On the callback executor: cancel checks are user code, never run on the timer. */
    void pollCancels(List<Call> toPoll) {
        for (Call call : toPoll) {
            call.cancelPollQueued.set(false);
            BooleanSupplier check = call.options.cancelCheck();
            if (call.isDone() || check == null) {
                continue;
            }
            boolean cancel;
            try {
                cancel = check.getAsBoolean();
            } catch (RuntimeException e) {
                log.warn("cancelCheck of a call to '{}' failed; treating as not cancelled", call.entry, e);
                continue;
            }
            if (cancel) {
                core.outcomes.cancel(call, "cancelled by its cancel check");
            }
        }
    }

}
