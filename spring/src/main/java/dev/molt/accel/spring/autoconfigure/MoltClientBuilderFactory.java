package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.client.MoltClientListener;
import dev.molt.accel.spring.internal.CompositeMoltClientListener;
import dev.molt.accel.spring.internal.PoolListeners;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Makes {@link MoltClientBuilder}s configured from the {@code molt.accel.*} properties (the default
 * pool) or {@code molt.accel.workers.<name>.*} (a named pool, its unset keys taken from the
 * default pool), the {@link MoltClientBuilderCustomizer} beans and the {@link MoltClientListener}
 * beans. Use it to build additional clients that share the application's configuration; the caller
 * owns what it builds. Thread-safe.
 */
public class MoltClientBuilderFactory {

    private static final Function<String, SSLContext> NO_BUNDLES = name -> {
        throw new IllegalStateException("molt.accel tls.bundle '" + name + "' needs Spring Boot's SslBundles, which is not there");
    };

    private final MoltAccelProperties properties;
    private final List<MoltClientBuilderCustomizer> customizers;
    private final MoltClientListener listener;
    private final Supplier<List<PoolListeners>> poolListeners;
    private final Function<String, SSLContext> sslBundles;

    public MoltClientBuilderFactory(MoltAccelProperties properties, List<MoltClientBuilderCustomizer> customizers,
            MoltClientListener listener) {
        this(properties, customizers, listener, List::of);
    }

    /**
     * @param poolListeners listeners given per pool (meters and health of the starter), asked when
     *     a builder is made
     */
    public MoltClientBuilderFactory(MoltAccelProperties properties, List<MoltClientBuilderCustomizer> customizers,
            MoltClientListener listener, Supplier<List<PoolListeners>> poolListeners) {
        this(properties, customizers, listener, poolListeners, NO_BUNDLES);
    }

    /**
     * @param sslBundles the {@link SSLContext} of a Spring Boot SSL bundle by name (for
     *     {@code molt.accel.tls.bundle}); throws when there is no such bundle
     */
    public MoltClientBuilderFactory(MoltAccelProperties properties, List<MoltClientBuilderCustomizer> customizers,
            MoltClientListener listener, Supplier<List<PoolListeners>> poolListeners,
            Function<String, SSLContext> sslBundles) {
        this.sslBundles = sslBundles;
        this.properties = properties;
        this.customizers = List.copyOf(customizers);
        this.listener = listener;
        this.poolListeners = poolListeners;
    }

    /** A new builder of the default pool; each call returns an independent one. */
    public MoltClientBuilder newBuilder() {
        return newBuilder(MoltAccelProperties.DEFAULT_POOL);
    }

    /**
     * A new builder of pool {@code pool}: configured from its {@code molt.accel.workers.<pool>.*}
     * keys over the default pool's (a name the properties do not declare, such as that of a
     * {@code @MoltPool} bean, gets the default pool's settings), with the listeners tagged with
     * that name. Each call returns an independent builder.
     */
    public MoltClientBuilder newBuilder(String pool) {
        MoltClientBuilder b = MoltClient.builder();
        PoolProperties settings = properties.pool(pool);
        configure(settings, b, sslBundles);
        if (properties.getTimeoutScale() != 1.0) {
            b.startTimeout(properties.scaled(settings.getWorker().getStartTimeout()))
                    .defaultOptions(scaled(callOptions(settings)));
        }
        List<MoltClientListener> all = new ArrayList<>();
        if (listener != MoltClientListener.NONE) {
            all.add(listener);
        }
        for (PoolListeners p : poolListeners.get()) {
            all.add(p.forPool(pool));
        }
        b.listener(CompositeMoltClientListener.of(all)).name(MoltAccelProperties.DEFAULT_POOL.equals(pool) ? "molt" : "molt-" + pool)
                .stderrLogger("dev.molt.accel.worker.stderr." + pool);
        for (MoltClientBuilderCustomizer c : customizers) {
            c.customize(b);
        }
        return b;
    }

    /**
     * Applies the settings of one resolved pool ({@link MoltAccelProperties#pool}) to {@code b}:
     * the one place where pool keys become builder options. Unset keys keep the builder's defaults.
     */
    public static MoltClientBuilder configure(PoolProperties pool, MoltClientBuilder b) {
        return configure(pool, b, NO_BUNDLES);
    }

    /**
     * As {@link #configure(PoolProperties, MoltClientBuilder)}, resolving {@code tls.bundle} with
     * {@code sslBundles}. A pool with endpoints starts no process: its builder gets the endpoints,
     * the connections per endpoint, the discovery refresh and the bundle's {@link SSLContext}.
     */
    public static MoltClientBuilder configure(PoolProperties pool, MoltClientBuilder b,
            Function<String, SSLContext> sslBundles) {
        List<String> endpoints = pool.getEndpoints();
        if (endpoints != null && !endpoints.isEmpty()) {
            b.endpoints(endpoints);
            if (pool.getConnectionsPerEndpoint() != null) {
                b.connectionsPerEndpoint(pool.getConnectionsPerEndpoint());
            }
            if (pool.getDiscovery().getRefresh() != null) {
                b.discoveryRefresh(pool.getDiscovery().getRefresh());
            }
            String bundle = pool.getTls().getBundle();
            if (bundle != null && !bundle.isBlank()) {
                b.sslContext(sslBundles.apply(bundle));
            }
        }
        PoolProperties.Worker w = pool.getWorker();
        List<String> command = w.effectiveCommand();
        if (!command.isEmpty()) {
            b.command(command);
        } else if (w.effectiveMainClass() != null) {
            b.javaWorker(w.effectiveMainClass());
        }
        if (w.getCacheDirectory() != null) {
            b.cacheDirectory(w.getCacheDirectory());
        }
        List<dev.molt.accel.client.WarmupCall> warmup = new ArrayList<>();
        for (PoolProperties.WarmupCall c : pool.getWarmup()) {
            warmup.add(c.toClientCall());
        }
        poolUpkeep(pool, b);
        return b.warmup(warmup)
                .workerCds(w.getCds())
                .workerWarmup(w.getSelfWarmup())
                .environment(w.getEnvironment())
                .workingDirectory(w.getWorkingDirectory())
                .javaOptions(w.getJavaOptions())
                .wire(w.getWire())
                .poolSize(pool.getPoolSize())
                .maxFrameBytes((int) w.getMaxFrameSize().toBytes())
                .startTimeout(w.getStartTimeout())
                .closeTimeout(w.getCloseTimeout())
                .cancelGrace(w.getCancelGrace())
                .restartBackoff(w.getRestartBackoff(), w.getRestartBackoffMax())
                .maxRestarts(w.getMaxRestarts())
                .defaultOptions(callOptions(pool));
    }

    /** Spares, recycling, health probes and elastic size: {@code spare-workers}, {@code recycle.*}, {@code health.*}, {@code max-pool-size}... */
    private static void poolUpkeep(PoolProperties pool, MoltClientBuilder b) {
        if (pool.getSpareWorkers() != null) {
            b.spareWorkers(pool.getSpareWorkers());
        }
        if (pool.getMaxPoolSize() != null) {
            b.maxPoolSize(pool.getMaxPoolSize());
        }
        if (pool.getScaleUpInFlight() != null) {
            b.scaleUpInFlight(pool.getScaleUpInFlight());
        }
        if (pool.getIdleTimeout() != null) {
            b.idleTimeout(pool.getIdleTimeout());
        }
        PoolProperties.Health h = pool.getHealth();
        if (h.getInterval() != null) {
            b.healthInterval(h.getInterval());
        }
        if (h.getTimeout() != null) {
            b.healthTimeout(h.getTimeout());
        }
        PoolProperties.Recycle r = pool.getRecycle();
        if (r.getMaxCalls() != null) {
            b.recycleMaxCalls(r.getMaxCalls());
        }
        if (r.getMaxAge() != null) {
            b.recycleMaxAge(r.getMaxAge());
        }
        if (r.getMaxRss() != null) {
            b.recycleMaxRss(r.getMaxRss().toBytes());
        }
        if (r.getJitter() != null) {
            b.recycleJitter(r.getJitter());
        }
    }

    /** The call options of calls that name none: timeout (scaled) and retries of the default pool. */
    public CallOptions defaultCallOptions() {
        return scaled(callOptions(properties.pool(MoltAccelProperties.DEFAULT_POOL)));
    }

    /** {@code options} with their timeout multiplied by {@code molt.accel.timeout-scale}. */
    private CallOptions scaled(CallOptions options) {
        return properties.getTimeoutScale() == 1.0 ? options
                : options.toBuilder().timeout(properties.scaled(options.timeout())).build();
    }

    /** The call options of calls to {@code pool} that name none. */
    public static CallOptions callOptions(PoolProperties pool) {
        PoolProperties.Retry r = pool.getRetry();
        return CallOptions.builder()
                .timeout(pool.getTimeout())
                .retryOnTimeout(r.getOnTimeout())
                .retryOnBusy(r.getOnBusy())
                .maxRetries(r.getMaxRetries())
                .retryBackoff(r.getBackoff())
                .retryBackoffMax(r.getBackoffMax().compareTo(r.getBackoff()) < 0 ? r.getBackoff() : r.getBackoffMax())
                .build();
    }
}
