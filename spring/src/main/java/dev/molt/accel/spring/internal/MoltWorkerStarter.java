package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the shared workers while the application starts, before the web server takes requests,
 * and waits for their readiness {@code __ping__}. A worker that cannot start is logged and the
 * application starts anyway (the next call tries again), unless fail-fast is set.
 */
public final class MoltWorkerStarter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MoltWorkerStarter.class);

    private final OffloadRegistry registry;
    private final ClientMode mode;
    private final boolean eager;
    private final boolean failFast;
    private volatile boolean running;

    public MoltWorkerStarter(OffloadRegistry registry, ClientMode mode, boolean eager, boolean failFast) {
        this.registry = registry;
        this.mode = mode;
        this.eager = eager;
        this.failFast = failFast;
    }

    @Override
    public void start() {
        running = true;
        if (!eager || mode != ClientMode.SHARED) {
            return;
        }
        MoltClient client;
        try {
            client = registry.sharedClient();
        } catch (MoltOffloadConfigurationException e) {
            log.debug("No shared Molt client to start: {}", e.getMessage());
            return;
        }
        long t0 = System.nanoTime();
        try {
            client.start();
            log.info("Molt workers ready in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, client.stats().pids());
        } catch (MoltAccelException e) {
            if (failFast) {
                throw e;
            }
            log.warn("Molt worker could not be started ({}); offloaded endpoints answer 503 (or fall back) "
                    + "until a later call starts one", e.getMessage());
        }
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
