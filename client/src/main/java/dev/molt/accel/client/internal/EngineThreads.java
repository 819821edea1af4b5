package dev.molt.accel.client.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads and the engine's owned executors. */
public final class EngineThreads {

    private static final AtomicInteger CALLBACK_THREADS = new AtomicInteger();

    private EngineThreads() {
    }

    /** A factory of daemon threads all named {@code name}, or {@code name-<n>} with {@code numbered}. */
    public static ThreadFactory named(String name, boolean numbered) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, numbered ? name + "-" + n.incrementAndGet() : name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * The default callback executor of a client: at most {@code max(2, CPUs)} threads named
     * {@code molt-accel-callback-<n>}, created on demand and ended after ten idle seconds. Its queue
     * is unbounded: it holds completions of calls already in flight, which the client bounds.
     */
    public static ThreadPoolExecutor callbackExecutor() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "molt-accel-callback-" + CALLBACK_THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * The lifecycle executor of a client (spawns, readiness and liveness pings, retry writes,
     * ordered closes): up to four threads named {@code molt-accel-lifecycle-<id>}, created while
     * there is such work and ended after a second idle.
     */
    public static ThreadPoolExecutor lifecycleExecutor(int clientId) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                named("molt-accel-lifecycle-" + clientId, false));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
