package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.autoconfigure.MoltAccelProperties;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * The plans of all offloaded methods (one per method, created once), the worker pools and the web
 * stack. Thread-safe. The clients belong to the {@link MoltPoolRegistry} (or, for beans, to the
 * context).
 */
public final class OffloadRegistry {

    private static final Logger log = LoggerFactory.getLogger(OffloadRegistry.class);
    private static final Object NONE = new Object();

    private final Map<Method, Object> plans = new ConcurrentHashMap<>();
    private final OffloadPlanFactory factory;
    private final MoltPoolRegistry pools;
    private final OffloadWebSupport web;
    private final Offloader offloader;

    public OffloadRegistry(ConfigurableListableBeanFactory beanFactory, MoltAccelProperties properties,
            WorkerMetricsRecorder recorder, MoltPoolRegistry pools, OffloadWebSupport web) {
        this.pools = pools;
        this.web = web;
        this.offloader = new Offloader(this::defaultClient, properties.getMaxRequestSize().toBytes());
        this.factory = new OffloadPlanFactory(beanFactory, properties, web == null ? WebStack.NONE : web.webStack(),
                recorder, pools);
    }
    /** The plan of {@code method}, created on first use; {@code null} when it is not offloaded. */
    public OffloadPlan plan(Method method) {
        Object p = plans.get(method);
        if (p == null) {
            OffloadPlan created = factory.create(method);
            Object prev = plans.putIfAbsent(method, created == null ? NONE : created);
            p = prev != null ? prev : (created == null ? NONE : created);
        }
        return p == NONE ? null : (OffloadPlan) p;
    }

    /** Whether {@code method} is offloaded (creating its plan if needed). */
    public boolean isOffloaded(Method method) {
        return method != null && plan(method) != null;
    }

    /** Creates the plans of {@code methods} now, so that configuration errors fail the start. */
    public void prepare(Collection<Method> methods) {
        for (Method m : methods) {
            OffloadPlan p = plan(m);
            if (p != null) {
                log.debug("Offloading {}", p);
            }
        }
    }

    /** The plans created so far (after start-up: every offloaded method of a singleton bean). */
    public java.util.List<OffloadPlan> plans() {
        java.util.List<OffloadPlan> out = new java.util.ArrayList<>();
        for (Object p : plans.values()) {
            if (p instanceof OffloadPlan plan) {
                out.add(plan);
            }
        }
        return out;
    }

    public Offloader offloader() {
        return offloader;
    }

    /** The web stack support, or {@code null} outside web applications. */
    public OffloadWebSupport web() {
        return web;
    }

    /** The worker pools. */
    public MoltPoolRegistry pools() {
        return pools;
    }

    /** The application's default client for {@code mode}. */
    public MoltClient defaultClient(ClientMode mode) {
        return pools.client(MoltPools.DEFAULT, mode);
    }

    /** The default pool's shared client: the unique {@link MoltClient} bean (or the primary one). */
    public MoltClient sharedClient() {
        return pools.client(MoltPools.DEFAULT, ClientMode.SHARED);
    }

    /** The default pool's per-request client (a worker process per call), created on first use. */
    public MoltClient perRequestClient() {
        return pools.client(MoltPools.DEFAULT, ClientMode.PER_REQUEST);
    }
}
