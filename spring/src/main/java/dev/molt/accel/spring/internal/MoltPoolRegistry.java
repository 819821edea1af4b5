package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClients;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.MoltPool;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.autoconfigure.MoltAccelProperties;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * The worker pools ({@link MoltPools}): the default pool is the unique {@code MoltClient} bean
 * (the auto-configured one or the application's, closed by the context); each pool of
 * {@code molt.accel.workers.<name>.*} gets its clients built here on first use (shared, and
 * per-request when asked) and closed here on destroy, all at once, each within its close
 * timeout; {@link MoltPool @MoltPool} beans are looked up by name and closed by the context.
 * Thread-safe.
 */
public final class MoltPoolRegistry implements MoltPools, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(MoltPoolRegistry.class);

    private final MoltAccelProperties properties;
    private final MoltClientBuilderFactory builders;
    private final ObjectProvider<MoltClient> defaultClients;
    private final ConfigurableListableBeanFactory beanFactory;
    /** Pool name to the name of its {@code @MoltPool} bean. */
    private final Map<String, String> poolBeans;
    private final List<String> names;
    /** Clients built here, by pool and mode; guarded by {@code this}. */
    private final Map<String, MoltClient> owned = new LinkedHashMap<>();
    private volatile MoltClient defaultShared;
    private boolean destroyed;

    public MoltPoolRegistry(ConfigurableListableBeanFactory beanFactory, MoltAccelProperties properties,
            MoltClientBuilderFactory builders, ObjectProvider<MoltClient> defaultClients) {
        this.beanFactory = beanFactory;
        this.properties = properties;
        this.builders = builders;
        this.defaultClients = defaultClients;
        this.poolBeans = poolBeans(beanFactory);
        List<String> all = new ArrayList<>(properties.poolNames());
        for (String name : poolBeans.keySet()) {
            if (!all.contains(name)) {
                all.add(name);
            }
        }
        this.names = List.copyOf(all);
    }

    private static Map<String, String> poolBeans(ConfigurableListableBeanFactory beanFactory) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String bean : beanFactory.getBeanNamesForType(MoltClient.class, true, false)) {
            MoltPool pool = beanFactory.findAnnotationOnBean(bean, MoltPool.class, false);
            if (pool == null) {
                continue;
            }
            String name = pool.value();
            String problem = MoltAccelProperties.poolNameProblem(name);
            if (problem != null) {
                throw new MoltOffloadConfigurationException("@MoltPool(\"" + name + "\") on bean '" + bean
                        + "': the pool name " + problem, null);
            }
            String previous = found.putIfAbsent(name, bean);
            if (previous != null) {
                throw new MoltOffloadConfigurationException("@MoltPool(\"" + name + "\") is on two beans: '" + previous
                        + "' and '" + bean + "'", null);
            }
        }
        return found;
    }

    @Override
    public MoltClient pool(String name) {
        return client(name, mode(name));
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return names.contains(name);
    }

    /** Whether pool {@code name} is a {@code @MoltPool} bean (always shared). */
    public boolean isBean(String name) {
        return poolBeans.containsKey(name);
    }

    /** The pool whose {@code @MoltPool} bean is named {@code beanName}, or {@code null}. */
    public String poolOfBean(String beanName) {
        for (Map.Entry<String, String> e : poolBeans.entrySet()) {
            if (e.getValue().equals(beanName)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The client mode of pool {@code name}: its {@code client-mode}; shared for a bean. */
    public ClientMode mode(String name) {
        return poolBeans.containsKey(name) ? ClientMode.SHARED : properties.pool(name).getClientMode();
    }

    /**
     * The client of pool {@code name} for {@code mode}.
     *
     * @throws IllegalArgumentException when no pool has that name, or a bean pool is asked for per_request
     * @throws MoltOffloadConfigurationException when the default pool has no unique {@code MoltClient} bean
     */
    public MoltClient client(String name, ClientMode mode) {
        if (!names.contains(name)) {
            throw new IllegalArgumentException("no worker pool '" + name + "'; the pools are " + String.join(", ", names));
        }
        String bean = poolBeans.get(name);
        if (bean != null) {
            if (mode == ClientMode.PER_REQUEST) {
                throw new IllegalArgumentException("worker pool '" + name + "' is the MoltClient bean '" + bean
                        + "'; clientMode per_request needs a pool of molt.accel.workers." + name + ".*");
            }
            return beanFactory.getBean(bean, MoltClient.class);
        }
        if (DEFAULT.equals(name) && mode == ClientMode.SHARED) {
            return defaultShared();
        }
        String key = name + '\u0000' + mode;
        synchronized (this) {
            MoltClient c = owned.get(key);
            if (c == null) {
                if (destroyed) {
                    throw new IllegalStateException("The application context is closed");
                }
                c = mode == ClientMode.PER_REQUEST ? MoltClients.perRequest(builders.newBuilder(name))
                        : builders.newBuilder(name).build();
                owned.put(key, c);
            }
            return c;
        }
    }

    private MoltClient defaultShared() {
        MoltClient c = defaultShared;
        if (c == null) {
            c = defaultClients.getIfUnique();
            if (c == null) {
                throw new MoltOffloadConfigurationException("No unique MoltClient bean to offload to; mark one @Primary "
                        + "or name one with @MoltOffload(client = \"...\")", null);
            }
            defaultShared = c;
        }
        return c;
    }

    /** Closes the clients built here, all at once; waits for them within their close time-outs. */
    @Override
    public void destroy() {
        List<MoltClient> clients;
        synchronized (this) {
            destroyed = true;
            clients = new ArrayList<>(owned.values());
            owned.clear();
        }
        if (clients.isEmpty()) {
            return;
        }
        if (clients.size() == 1) {
            close(clients.get(0));
            return;
        }
        // a close waits for the worker to exit (up to about three close time-outs): close every
        // pool at once so that shutdown takes as long as the slowest pool, not their sum
        Duration limit = Duration.ZERO;
        for (String name : names) {
            Duration step = properties.pool(name).getWorker().getCloseTimeout();
            limit = step.compareTo(limit) > 0 ? step : limit;
        }
        CountDownLatch done = new CountDownLatch(clients.size());
        AtomicInteger n = new AtomicInteger();
        for (MoltClient c : clients) {
            Thread t = new Thread(() -> {
                try {
                    close(c);
                } finally {
                    done.countDown();
                }
            }, "molt-accel-close-" + n.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
        try {
            if (!done.await(limit.toMillis() * 4 + 1000, TimeUnit.MILLISECONDS)) {
                log.warn("{} Molt worker pools did not close within {} ms", done.getCount(), limit.toMillis() * 4 + 1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void close(MoltClient c) {
        try {
            c.close();
        } catch (RuntimeException e) {
            log.warn("Closing a Molt worker pool failed", e);
        }
    }
}
