package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClients;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.autoconfigure.MoltAccelProperties;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderFactory;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * The plans of all offloaded methods (one per method, created once), the default clients and the
 * web stack. Thread-safe. Owns the per-request client it creates and closes it on destroy; the
 * shared client is a bean closed by the context.
 */
public final class OffloadRegistry implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(OffloadRegistry.class);
    private static final Object NONE = new Object();

    private final Map<Method, Object> plans = new ConcurrentHashMap<>();
    private final OffloadPlanFactory factory;
    private final ObjectProvider<MoltClient> sharedClients;
    private final MoltClientBuilderFactory builders;
    private final OffloadWebSupport web;
    private final Offloader offloader;
    private volatile MoltClient shared;
    private volatile MoltClient perRequest;
    private volatile boolean destroyed;

    public OffloadRegistry(ConfigurableListableBeanFactory beanFactory, MoltAccelProperties properties,
            WorkerMetricsRecorder recorder, ObjectProvider<MoltClient> sharedClients, MoltClientBuilderFactory builders,
            OffloadWebSupport web) {
        this.sharedClients = sharedClients;
        this.builders = builders;
        this.web = web;
        this.offloader = new Offloader(this::defaultClient, properties.getMaxRequestSize().toBytes());
        this.factory = new OffloadPlanFactory(beanFactory, properties, web == null ? WebStack.NONE : web.webStack(),
                recorder, this::sharedClient);
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

    public Offloader offloader() {
        return offloader;
    }

    /** The web stack support, or {@code null} outside web applications. */
    public OffloadWebSupport web() {
        return web;
    }

    /** The application's default client for {@code mode}. */
    public MoltClient defaultClient(ClientMode mode) {
        return mode == ClientMode.PER_REQUEST ? perRequestClient() : sharedClient();
    }

    /** The shared client: the unique {@link MoltClient} bean (or the primary one). */
    public MoltClient sharedClient() {
        MoltClient c = shared;
        if (c == null) {
            c = sharedClients.getIfUnique();
            if (c == null) {
                throw new MoltOffloadConfigurationException("No unique MoltClient bean to offload to; mark one @Primary "
                        + "or name one with @MoltOffload(client = \"...\")", null);
            }
            shared = c;
        }
        return c;
    }

    /** The per-request client (a worker process per call), created on first use. */
    public MoltClient perRequestClient() {
        MoltClient c = perRequest;
        if (c == null) {
            synchronized (this) {
                c = perRequest;
                if (c == null) {
                    if (destroyed) {
                        throw new IllegalStateException("The application context is closed");
                    }
                    c = MoltClients.perRequest(builders.newBuilder());
                    perRequest = c;
                }
            }
        }
        return c;
    }

    @Override
    public void destroy() {
        MoltClient c;
        synchronized (this) {
            destroyed = true;
            c = perRequest;
        }
        if (c != null) {
            c.close();
        }
    }
}
