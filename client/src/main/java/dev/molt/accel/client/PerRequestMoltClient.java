package dev.molt.accel.client;

import dev.molt.accel.client.internal.ClientCore;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code per_request} mode: every call gets a new single-process client that is closed after the
 * call. Closing runs on one owned thread, so that no caller or reader thread waits for it.
 */
final class PerRequestMoltClient implements MoltClient {

    private final MoltClientBuilder builder;
    private final WorkerLauncher launcher;
    private final ThreadPoolExecutor closer;
    private final AtomicLong calls = new AtomicLong();
    /** Cores not closed yet; {@link #close()} closes whatever is left, such as one whose close was still queued. */
    private final Set<ClientCore> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    PerRequestMoltClient(MoltClientBuilder builder) {
        this.builder = builder;
        // a worker per request answers one call: a warm-up before it would only delay that call
        this.launcher = WorkerLauncher.resolve(builder, false);
        this.closer = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "molt-accel-closer");
            t.setDaemon(true);
            return t;
        });
        this.closer.allowCoreThreadTimeOut(true);
    }

    @Override
    public MoltResult call(String entry, Object payload, CallOptions options) {
        ClientCore core = newCore();
        try {
            return core.call(entry, payload, options);
        } finally {
            closeCore(core);
        }
    }

    @Override
    public CompletableFuture<MoltResult> callAsync(String entry, Object payload, CallOptions options) {
        ClientCore core = newCore();
        CompletableFuture<MoltResult> f = core.callAsync(entry, payload, options);
        // the caller may see the result, and close this client, before this runs: close() then closes the core
        f.whenComplete((r, e) -> {
            try {
                closer.execute(() -> closeCore(core));
            } catch (RejectedExecutionException closing) {
                // this client is closing: close() closes every core still open
            }
        });
        return f;
    }

    private ClientCore newCore() {
        if (closed) {
            throw new MoltWorkerUnavailableException("The client is closed", null, 0, null);
        }
        calls.incrementAndGet();
        ClientCore core = builder.newEngine(launcher, 1);
        open.add(core);
        if (closed) {
            closeCore(core);
            throw new MoltWorkerUnavailableException("The client is closed", null, 0, null);
        }
        return core;
    }

    private void closeCore(ClientCore core) {
        try {
            core.close();
        } finally {
            open.remove(core);
        }
    }

    @Override
    public CallOptions defaultOptions() {
        return builder.defaultOptions;
    }

    @Override
    public void start() {
        ClientCore core = newCore();
        try {
            core.start();
        } finally {
            closeCore(core);
        }
    }

    @Override
    public void ping(Duration timeout) {
        ClientCore core = newCore();
        try {
            core.ping(timeout);
        } finally {
            closeCore(core);
        }
    }

    @Override
    public ClientStats stats() {
        return new ClientStats(0, 0, calls.get(), 0, 0, List.of(), null);
    }

    @Override
    public void close() {
        closed = true;
        ExecutorService c = closer;
        c.shutdown();
        try {
            if (!c.awaitTermination(builder.closeTimeout.toMillis() * 4, TimeUnit.MILLISECONDS)) {
                c.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ClientCore core : List.copyOf(open)) {
            closeCore(core);
        }
    }
}
