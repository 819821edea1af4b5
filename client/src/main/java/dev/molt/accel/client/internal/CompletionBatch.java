package dev.molt.accel.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands completions from a reader thread to the callback executor in batches: while more response
 * bytes are already buffered, the completions of the frames read so far are collected, and handed
 * off as one task once the reader is about to wait for the peer. Under load one hand-off serves
 * many calls; a lone call is handed off at once. Not thread-safe: one batch per reader thread.
 */
public final class CompletionBatch {

    private static final Logger log = LoggerFactory.getLogger(CompletionBatch.class);
    private static final ThreadLocal<CompletionBatch> CURRENT = new ThreadLocal<>();

    private final Executor executor;
    private ArrayList<Runnable> tasks = new ArrayList<>();

    private CompletionBatch(Executor executor) {
        this.executor = executor;
    }

    /** Opens the calling thread's batch for {@code executor}; close it when the thread ends. */
    public static CompletionBatch open(Executor executor) {
        CompletionBatch b = new CompletionBatch(executor);
        CURRENT.set(b);
        return b;
    }

    /** Runs {@code task} on {@code executor}: through the calling thread's batch when it has one. */
    public static void submit(Executor executor, Runnable task) {
        CompletionBatch b = CURRENT.get();
        if (b != null && b.executor == executor) {
            b.tasks.add(task);
        } else {
            execute(executor, task);
        }
    }

    public boolean isEmpty() {
        return tasks.isEmpty();
    }

    /** Hands the collected completions off as one task. */
    public void flush() {
        if (tasks.isEmpty()) {
            return;
        }
        if (tasks.size() == 1) {
            Runnable only = tasks.get(0);
            tasks.clear();
            execute(executor, only);
            return;
        }
        List<Runnable> batch = tasks;
        tasks = new ArrayList<>();
        execute(executor, () -> {
            for (Runnable r : batch) {
                runGuarded(r);
            }
        });
    }

    /** Flushes and detaches the batch from the calling thread. */
    public void close() {
        try {
            flush();
        } finally {
            CURRENT.remove();
        }
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
