package dev.molt.accel.worker;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The execution resources every session of one serve or server shares: one bounded queue and pool of
 * worker threads (so {@code Busy} means the whole worker is full, whatever connection a request came
 * on) and one timer thread for deadlines and housekeeping. Thread-safe; owned and shut down by the
 * {@link MoltWorker#serve} call or the {@link MoltWorkerServer} that created it.
 */
final class Engine {

    private final ThreadPoolExecutor pool;
    private final ScheduledThreadPoolExecutor timer;

    Engine(MoltWorker worker) {
        BlockingQueue<Runnable> queue = worker.maxQueue() == 0
                ? new SynchronousQueue<>()
                : new ArrayBlockingQueue<>(worker.maxQueue());
        this.pool = new ThreadPoolExecutor(worker.threads(), worker.threads(), 60, TimeUnit.SECONDS, queue,
                NamedThreads.numbered("molt-accel-worker-"), new ThreadPoolExecutor.AbortPolicy());
        this.timer = new ScheduledThreadPoolExecutor(1, NamedThreads.single("molt-accel-worker-timer"));
        this.timer.setRemoveOnCancelPolicy(true);
        this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Runs the call on a worker thread; throws {@link RejectedExecutionException} when the queue is full. */
    void execute(Call call) {
        pool.execute(call);
    }

    /** Frees the queue slot of a call answered before it started. */
    void remove(Call call) {
        pool.remove(call);
    }

    int queueDepth() {
        return pool.getQueue().size();
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
}
