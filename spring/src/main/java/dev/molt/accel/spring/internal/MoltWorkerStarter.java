package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.autoconfigure.MoltAccelProperties;
import dev.molt.accel.spring.autoconfigure.PoolProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the shared workers of every pool whose {@code eager-start} is set while the application
 * starts, before the web server takes requests, all pools at once, and waits for their readiness
 * {@code __ping__}. A worker that cannot start is logged and the application starts anyway (the
 * next call tries again), unless that pool's {@code fail-fast} is set. Once a pool's workers are
 * ready, its {@code @MoltOffload} methods are checked against what the worker serves
 * ({@code __exports__}, when it can say): a problem fails the start when the pool is fail-fast and
 * is logged at WARN otherwise. The threads it uses for this end before {@link #start()} returns.
 */
public final class MoltWorkerStarter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MoltWorkerStarter.class);

    private final OffloadRegistry registry;
    private final MoltAccelProperties properties;
    private volatile boolean running;

    public MoltWorkerStarter(OffloadRegistry registry, MoltAccelProperties properties) {
        this.registry = registry;
        this.properties = properties;
    }

    @Override
    public void start() {
        running = true;
        MoltPoolRegistry pools = registry.pools();
        List<String> eager = new ArrayList<>();
        for (String name : pools.names()) {
            if (properties.pool(name).getEagerStart() && pools.mode(name) == ClientMode.SHARED) {
                eager.add(name);
            }
        }
        if (eager.isEmpty()) {
            return;
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService starters = Executors.newFixedThreadPool(Math.min(eager.size(), 4), r -> {
            Thread t = new Thread(r, "molt-accel-start-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Void>> started = new ArrayList<>();
            for (String name : eager) {
                started.add(CompletableFuture.runAsync(() -> start(pools, name), starters));
            }
            RuntimeException failure = null;
            for (CompletableFuture<Void> f : started) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : e;
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            starters.shutdownNow();
        }
    }

    private void start(MoltPoolRegistry pools, String name) {
        PoolProperties settings = properties.pool(name);
        MoltClient client;
        try {
            client = pools.client(name, ClientMode.SHARED);
        } catch (MoltOffloadConfigurationException e) {
            log.debug("No shared Molt client to start for pool '{}': {}", name, e.getMessage());
            return;
        }
        long t0 = System.nanoTime();
        try {
            client.start();
            log.info("Molt workers of pool '{}' ready in {} ms: {}", name, (System.nanoTime() - t0) / 1_000_000,
                    client.stats().pids());
        } catch (MoltAccelException e) {
            startFailed(settings, name, e);
            return;
        }
        List<OffloadPlan> plans = new ArrayList<>();
        for (OffloadPlan p : registry.plans()) {
            if (name.equals(p.pool()) && p.mode() == ClientMode.SHARED) {
                plans.add(p);
            }
        }
        ExportsCheck.check(name, client, plans, settings.getWorker().getStartTimeout(), settings.getFailFast());
    }

    private static void startFailed(PoolProperties settings, String name, MoltAccelException e) {
        if (settings.getFailFast()) {
            log.error("Molt worker of pool '{}' could not be started and the pool is fail-fast", name);
            throw e;
        }
        log.warn("Molt worker of pool '{}' could not be started ({}); its offloaded endpoints answer 503 (or fall "
                + "back) until a later call starts one", name, e.getMessage());
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return 0;
    }
}
