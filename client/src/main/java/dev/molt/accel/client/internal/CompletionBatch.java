package dev.molt.accel.client.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands completions from a reader thread to the callback executor without one hand-off per call:
 * the reader queues each completion on its lane, and only when no drain is scheduled does it hand
 * the executor one task that runs queued completions until the lane is empty. Under load the
 * callback thread is still draining when the next answers arrive, so they cost a queue insert
 * instead of a thread wake-up; a lone call is handed off at once. Completions of one reader run
 * in order, one at a time; those of other readers run in parallel. Thread-safe.
 */
public final class CompletionBatch {

    private static final Logger log = LoggerFactory.getLogger(CompletionBatch.class);
    private static final ThreadLocal<CompletionBatch> CURRENT = new ThreadLocal<>();

    private final Executor executor;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;

    private CompletionBatch(Executor executor) {
        this.executor = executor;
    }

    /** Opens the calling thread's lane for {@code executor}; close it when the thread ends. */
    public static CompletionBatch open(Executor executor) {
        CompletionBatch b = new CompletionBatch(executor);
        CURRENT.set(b);
        return b;
    }

    /** Runs {@code task} on {@code executor}: through the calling thread's lane when it has one. */
    public static void submit(Executor executor, Runnable task) {
        CompletionBatch b = CURRENT.get();
        if (b != null && b.executor == executor) {
            b.enqueue(task);
        } else {
            execute(executor, task);
        }
    }

    private void enqueue(Runnable task) {
        queue.add(task);
        if (scheduled.compareAndSet(false, true)) {
            execute(executor, drain);
        }
    }

    private void drain() {
        while (true) {
            Runnable r;
            while ((r = queue.poll()) != null) {
                runGuarded(r);
            }
            scheduled.set(false);
            // a completion queued after the last poll but before the flag dropped is ours to run
            if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /** Detaches the lane from the calling thread; queued completions still run. */
    public void close() {
        CURRENT.remove();
    }

    /**
     * Runs {@code task} on {@code executor}; when the executor refuses it (it was shut down), runs it
     * on the calling thread, so that no caller waits forever for a completion.
     */
    public static void execute(Executor executor, Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("Callback executor refused a completion; completing on {}", Thread.currentThread().getName());
            runGuarded(task);
        }
    }

    private static void runGuarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("A completion task failed", e);
        }
    }
}
