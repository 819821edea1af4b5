package dev.molt.accel.worker;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The execution resources every session of one serve or server shares: one bounded admission and
 * pool of worker threads (so {@code Busy} means the whole worker is full, whatever connection a
 * request came on) and one timer thread for deadlines and housekeeping. Thread-safe; owned and shut
 * down by the {@link MoltWorker#serve} call or the {@link MoltWorkerServer} that created it.
 *
 * <p>A call runs on a pool thread, or on the session reader that read it ({@link #tryRunHere}): a
 * lone request then skips the wake-up of a parked pool thread, which costs about as much as a small
 * handler. Two counts keep the configured bounds whichever thread runs a call:
 * <ul>
 *   <li><b>admitted</b>: calls handed to the engine and not done yet, waiting or running, on the pool
 *       or on a reader; at most {@code threads + maxQueue}, and a call beyond that is refused
 *       ({@code Busy}). A call answered while it waits frees its place at once; one answered while
 *       its handler runs frees it when the handler returns, since its thread is busy until then.</li>
 *   <li><b>running</b>: handlers running now, never more than {@code threads}. A pool thread takes
 *       a slot before it starts a call; when every slot is taken (only possible while a reader runs a
 *       call, which leaves a pool thread free to pick up the next one) it waits for a slot, and the
 *       call in its hands counts as waiting, as it would in the queue.</li>
 * </ul>
 * A reader may run a call itself only when the engine is idle: nothing admitted at all, checked and
 * taken in one compare-and-set. So at most one call per engine runs on a reader at a time, it never
 * overtakes a waiting call, and the pool respects its slot.
 */
final class Engine {

    private final int threads;
    /** {@code threads + maxQueue}: calls admitted at once. */
    private final int capacity;
    private final Pool pool;
    private final ScheduledThreadPoolExecutor timer;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final ReentrantLock slotLock = new ReentrantLock();
    private final Condition slotFreed = slotLock.newCondition();
    /** Pool threads waiting for a slot; changed under {@link #slotLock}. */
    private volatile int slotWaiters;

    Engine(MoltWorker worker) {
        this.threads = worker.threads();
        this.capacity = (int) Math.min(Integer.MAX_VALUE - 8, (long) worker.threads() + worker.maxQueue());
        // the admission bounds what waits; the queue only has to hold that, so it never refuses
        this.pool = new Pool(threads, new ArrayBlockingQueue<>(capacity));
        this.timer = new ScheduledThreadPoolExecutor(1, NamedThreads.single("molt-accel-worker-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs the call on a worker thread; returns false (nothing done) when the worker is full or shut down. */
    boolean execute(Call call) {
        int n;
        do {
            n = admitted.get();
            if (n >= capacity) {
                return false;
            }
        } while (!admitted.compareAndSet(n, n + 1));
        try {
            pool.execute(call);
            return true;
        } catch (RejectedExecutionException e) {
            admitted.decrementAndGet(); // shut down
            return false;
        }
    }

    /**
     * Takes a slot for a call the caller runs on its own thread, if nothing at all is admitted;
     * returns whether it did. The caller must then call {@link #ranHere()} once the call returns.
     */
    boolean tryRunHere() {
        if (pool.isShutdown() || !admitted.compareAndSet(0, 1)) {
            return false;
        }
        running.incrementAndGet();
        return true;
    }

    /** Gives back what {@link #tryRunHere()} took. */
    void ranHere() {
        releaseSlot();
        admitted.decrementAndGet();
    }

    /** Frees the place of a call answered before it started. */
    void remove(Call call) {
        if (pool.remove(call)) {
            admitted.decrementAndGet();
        } else if (slotWaiters > 0) {
            // it may wait for a slot in a pool thread's hands: that thread lets go of it now
            signalSlotWaiters();
        }
    }

    /** Calls waiting for a thread or a slot (approximate: two counts read one after the other). */
    int queueDepth() {
        return Math.max(0, admitted.get() - running.get());
    }

    /** Schedules a task on the timer; throws {@link RejectedExecutionException} once shut down. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long periodNanos) {
        return timer.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    void shutdownNow() {
        pool.shutdownNow();
        timer.shutdownNow();
    }

    // ------------------------------------------------------------------ slots

    /** On the pool thread about to run {@code call}: takes a slot, waiting for one if none is free. */
    private void takeSlot(Call call) {
        while (true) {
            int n = running.get();
            if (n < threads) {
                if (running.compareAndSet(n, n + 1)) {
                    call.slotTaken = true;
                    return;
                }
            } else if (!awaitSlot(call)) {
                return;
            }
        }
    }

    /**
     * Waits until a slot may be free; returns false when the call needs none any more (it was
     * answered meanwhile, so its {@code run} does nothing).
     */
    private boolean awaitSlot(Call call) {
        slotLock.lock();
        try {
            slotWaiters++;
            while (running.get() >= threads) {
                if (call.isAnswered()) {
                    return false;
                }
                slotFreed.await();
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            slotWaiters--;
            slotLock.unlock();
        }
        // shutdownNow: the owner has answered its calls by now; this one must not start without a slot
        call.abort("Worker shut down before the request finished");
        return false;
    }

    private void releaseSlot() {
        running.decrementAndGet();
        if (slotWaiters > 0) {
            signalSlotWaiters();
        }
    }

    private void signalSlotWaiters() {
        slotLock.lock();
        try {
            // all: a waiter whose call was answered leaves without the slot, which another one needs
            slotFreed.signalAll();
        } finally {
            slotLock.unlock();
        }
    }

    /** The worker threads: each call they run goes through the slots. */
    private final class Pool extends ThreadPoolExecutor {

        Pool(int threads, ArrayBlockingQueue<Runnable> queue) {
            super(threads, threads, 60, TimeUnit.SECONDS, queue, NamedThreads.numbered("molt-accel-worker-"),
                    new ThreadPoolExecutor.AbortPolicy());
        }

        @Override
        protected void beforeExecute(Thread t, Runnable r) {
            takeSlot((Call) r);
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            Call call = (Call) r;
            if (call.slotTaken) {
                call.slotTaken = false;
                releaseSlot();
            }
            admitted.decrementAndGet();
        }
    }
}
