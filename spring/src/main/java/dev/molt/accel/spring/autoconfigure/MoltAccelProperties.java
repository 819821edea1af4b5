package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * The {@code molt.accel.*} properties. The environment variables of PROTOCOL.md section 10
 * ({@code MOLT_WORKER_CMD}, {@code MOLT_WORKER_WIRE} / {@code MOLT_WIRE},
 * {@code MOLT_ACCEL_CLIENT_MODE}, {@code MOLT_ACCEL_POOL_SIZE}, {@code MOLT_ACCEL_RETRY_*}) set the
 * corresponding properties, with the precedence of environment variables. The bound values are
 * validated ({@link #validate}), so a bad value fails the start naming the property.
 */
@ConfigurationProperties("molt.accel")
public class MoltAccelProperties implements Validator {

    /** Whether the starter is active. When false, @MoltOffload methods run their bodies in-process. */
    private boolean enabled = true;

    /** How calls hold their clients: shared (one client or pool) or per_request (a worker per call). */
    private ClientMode clientMode = ClientMode.SHARED;

    /** Worker processes of the shared client; more than 1 makes a pool (least calls in flight first). */
    private int poolSize = 1;

    /** Default deadline of a whole offloaded call, retries included; 0 means none. */
    private Duration timeout = Duration.ofMillis(250);

    /** HTTP status answered when a worker is busy: 429 or 503. */
    private int busyStatus = 429;

    /** Whether error details (exception and worker messages) are shown to HTTP clients. */
    private boolean exposeDetails = false;

    /**
     * Whether Spring MVC writes a pass-through answer (the worker's bytes, untouched) on a container
     * thread and completes the request without the async dispatch: cheaper, but filters on ASYNC
     * dispatches and HandlerInterceptor#afterCompletion do not run for such answers. Every other
     * answer (a value to convert, a failure, a fallback) takes the dispatch either way, and so does
     * every answer under MockMvc.
     */
    private boolean directAnswers = true;

    /**
     * Whether the shared workers are started (and answered __ping__) while the application starts,
     * so that the first request pays no start-up. A worker that cannot start is logged; the
     * application still starts unless fail-fast is set.
     */
    private boolean eagerStart = true;

    /** Whether a worker that cannot be started at application start fails the application start. */
    private boolean failFast = false;

    /**
     * Factor applied to every deadline: call timeouts (the timeout properties and
     * {@code @MoltOffload(timeoutMs)} values alike) and worker start timeouts. Meant for tests on
     * slow or busy machines (for example 5); 1 changes nothing.
     */
    private double timeoutScale = 1.0;

    /**
     * Largest request body (counted while it is read, chunked or not) and largest encoded payload
     * accepted by an offloaded endpoint (else 413).
     */
    private DataSize maxRequestSize = DataSize.ofMegabytes(10);

    /** Value of the Retry-After header of 503 and 429 answers (rounded up to seconds). */
    private Duration retryAfter = Duration.ofSeconds(1);

    /**
     * Workers started and ready but taking no calls, ready to replace one that dies or is retired.
     */
    private int spareWorkers = 0;

    /** Largest number of workers a pool may grow to under load; unset: pool-size (no growth). */
    private Integer maxPoolSize;

    /** Calls in flight per worker above which a pool grows (up to max-pool-size); unset: the client's default. */
    private Integer scaleUpInFlight;

    /** How long a worker above pool-size may be idle before it is retired; unset: the client's default. */
    private Duration idleTimeout;

    /** Calls a new worker must answer before it takes traffic. */
    private List<PoolProperties.WarmupCall> warmup = new ArrayList<>();

    private final Worker worker = new Worker();

    private final Retry retry = new Retry();

    private final Health health = new Health();

    /** When workers are retired and replaced (rolling, with jitter, one at a time per pool). */
    @NestedConfigurationProperty
    private final PoolProperties.Recycle recycle = newRecycle();

    /**
     * Named worker pools (molt.accel.workers.NAME.*, with the keys of the default pool), selected
     * with @MoltOffload(worker = "NAME"). Names are lower-case letters, digits and '-'; "default"
     * is the pool of molt.accel.*. Every key a pool leaves unset takes the default pool's value.
     */
    private Map<String, PoolProperties> workers = new LinkedHashMap<>();

    /**
     * Running workers the default pool reaches over sockets instead of starting processes:
     * unix:/path, tcp://host:port or tls://host:port. A host name gives one connection per address
     * it resolves to (a Kubernetes headless Service: one per worker pod).
     */
    private List<String> endpoints = new ArrayList<>();

    /** Connections to each endpoint address; each is a slot of the pool. */
    private int connectionsPerEndpoint = 1;

    private final PoolProperties.Tls tls = new PoolProperties.Tls();

    private final PoolProperties.Discovery discovery = newDiscovery();

    private static PoolProperties.Discovery newDiscovery() {
        PoolProperties.Discovery d = new PoolProperties.Discovery();
        d.setRefresh(Duration.ofSeconds(30));
        return d;
    }

    /** Name of the pool configured by {@code molt.accel.*}. */
    public static final String DEFAULT_POOL = "default";

    private static PoolProperties.Recycle newRecycle() {
        PoolProperties.Recycle r = new PoolProperties.Recycle();
        r.setJitter(0.1);
        return r;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public ClientMode getClientMode() {
        return clientMode;
    }

    public void setClientMode(ClientMode clientMode) {
        this.clientMode = Objects.requireNonNull(clientMode, "clientMode");
    }

    public int getPoolSize() {
        return poolSize;
    }

    public void setPoolSize(int poolSize) {
        this.poolSize = poolSize;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public int getBusyStatus() {
        return busyStatus;
    }

    public void setBusyStatus(int busyStatus) {
        this.busyStatus = busyStatus;
    }

    public boolean isExposeDetails() {
        return exposeDetails;
    }

    public void setExposeDetails(boolean exposeDetails) {
        this.exposeDetails = exposeDetails;
    }

    public boolean isDirectAnswers() {
        return directAnswers;
    }

    public void setDirectAnswers(boolean directAnswers) {
        this.directAnswers = directAnswers;
    }

    public boolean isEagerStart() {
        return eagerStart;
    }

    public void setEagerStart(boolean eagerStart) {
        this.eagerStart = eagerStart;
    }

    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    public double getTimeoutScale() {
        return timeoutScale;
    }

    public void setTimeoutScale(double timeoutScale) {
        this.timeoutScale = timeoutScale;
    }

    /**
     * {@code d} multiplied by {@link #getTimeoutScale()}, saturating; zero (no deadline) stays zero.
     */
    public Duration scaled(Duration d) {
        if (timeoutScale == 1.0 || d.isZero() || d.isNegative()) {
            return d;
        }
        double nanos = d.toNanos() * timeoutScale;
        return Duration.ofNanos(nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1L, Math.round(nanos)));
    }

    public DataSize getMaxRequestSize() {
        return maxRequestSize;
    }

    public void setMaxRequestSize(DataSize maxRequestSize) {
        this.maxRequestSize = Objects.requireNonNull(maxRequestSize, "maxRequestSize");
    }

    public Duration getRetryAfter() {
        return retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public int getSpareWorkers() {
        return spareWorkers;
    }

    public void setSpareWorkers(int spareWorkers) {
        this.spareWorkers = spareWorkers;
    }

    public Integer getMaxPoolSize() {
        return maxPoolSize;
    }

    public void setMaxPoolSize(Integer maxPoolSize) {
        this.maxPoolSize = maxPoolSize;
    }

    public Integer getScaleUpInFlight() {
        return scaleUpInFlight;
    }

    public void setScaleUpInFlight(Integer scaleUpInFlight) {
        this.scaleUpInFlight = scaleUpInFlight;
    }

    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public List<PoolProperties.WarmupCall> getWarmup() {
        return warmup;
    }

    public void setWarmup(List<PoolProperties.WarmupCall> warmup) {
        this.warmup = new ArrayList<>(Objects.requireNonNull(warmup, "warmup"));
    }

    public PoolProperties.Recycle getRecycle() {
        return recycle;
    }

    public Map<String, PoolProperties> getWorkers() {
        return workers;
    }

    public void setWorkers(Map<String, PoolProperties> workers) {
        this.workers = new LinkedHashMap<>(Objects.requireNonNull(workers, "workers"));
    }

    /** The names of the pools: {@value #DEFAULT_POOL} first, then the named pools as declared. */
    public List<String> poolNames() {
        List<String> names = new ArrayList<>();
        names.add(DEFAULT_POOL);
        names.addAll(workers.keySet());
        return names;
    }

    /**
     * The resolved settings of pool {@code name} (every value set): the named pool's keys over the
     * default pool's; {@value #DEFAULT_POOL}, or a name no pool declares, gives the default pool's.
     */
    public List<String> getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(List<String> endpoints) {
        this.endpoints = endpoints;
    }

    public int getConnectionsPerEndpoint() {
        return connectionsPerEndpoint;
    }

    public void setConnectionsPerEndpoint(int connectionsPerEndpoint) {
        this.connectionsPerEndpoint = connectionsPerEndpoint;
    }

    public PoolProperties.Tls getTls() {
        return tls;
    }

    public PoolProperties.Discovery getDiscovery() {
        return discovery;
    }

    public PoolProperties pool(String name) {
        PoolProperties defaults = defaultPool();
        PoolProperties named = DEFAULT_POOL.equals(name) ? null : workers.get(name);
        return named == null ? defaults : named.inherit(defaults);
    }

    /** The default pool's keys ({@code molt.accel.*}) as a resolved {@link PoolProperties}. */
    private PoolProperties defaultPool() {
        PoolProperties d = new PoolProperties();
        d.setClientMode(clientMode);
        d.setPoolSize(poolSize);
        d.setTimeout(timeout);
        d.setEagerStart(eagerStart);
        d.setFailFast(failFast);
        d.setSpareWorkers(spareWorkers);
        d.setMaxPoolSize(maxPoolSize);
        d.setScaleUpInFlight(scaleUpInFlight);
        d.setIdleTimeout(idleTimeout);
        d.setWarmup(warmup);
        d.setEndpoints(endpoints);
        d.setConnectionsPerEndpoint(connectionsPerEndpoint);
        d.getTls().setBundle(tls.getBundle());
        d.getDiscovery().setRefresh(discovery.getRefresh());
        PoolProperties.Worker w = d.getWorker();
        w.setCommand(worker.command);
        w.setCommandLine(worker.commandLine);
        w.setMainClass(worker.mainClass);
        w.setWire(worker.wire);
        w.setEnvironment(worker.environment);
        w.setWorkingDirectory(worker.workingDirectory);
        w.setJavaOptions(worker.javaOptions);
        w.setStartTimeout(worker.startTimeout);
        w.setCloseTimeout(worker.closeTimeout);
        w.setCancelGrace(worker.cancelGrace);
        w.setRestartBackoff(worker.restartBackoff);
        w.setRestartBackoffMax(worker.restartBackoffMax);
        w.setMaxRestarts(worker.maxRestarts);
        w.setMaxFrameSize(worker.maxFrameSize);
        w.setCds(worker.cds);
        w.setSelfWarmup(worker.selfWarmup);
        w.setCacheDirectory(worker.cacheDirectory);
        PoolProperties.Retry r = d.getRetry();
        r.setOnTimeout(retry.onTimeout);
        r.setOnBusy(retry.onBusy);
        r.setMaxRetries(retry.maxRetries);
        r.setBackoff(retry.backoff);
        r.setBackoffMax(retry.backoffMax);
        PoolProperties.Health h = d.getHealth();
        h.setPingTimeout(health.pingTimeout);
        h.setFailureThreshold(health.failureThreshold);
        h.setInterval(health.interval);
        h.setTimeout(health.timeout);
        PoolProperties.Recycle c = d.getRecycle();
        c.setMaxCalls(recycle.getMaxCalls());
        c.setMaxAge(recycle.getMaxAge());
        c.setMaxRss(recycle.getMaxRss());
        c.setJitter(recycle.getJitter());
        return d;
    }

    public Worker getWorker() {
        return worker;
    }

    public Retry getRetry() {
        return retry;
    }

    public Health getHealth() {
        return health;
    }

    @Override
    public boolean supports(Class<?> clazz) {
        return MoltAccelProperties.class.isAssignableFrom(clazz);
    }

    /**
     * Checks the values once bound; each error names its property, so a bad value fails the start
     * with "Property: molt.accel.busy-status, Value: 418, Reason: must be 429 or 503".
     */
    @Override
    public void validate(Object target, Errors errors) {
        MoltAccelProperties p = (MoltAccelProperties) target;
        if (p.busyStatus != 429 && p.busyStatus != 503) {
            errors.rejectValue("busyStatus", "range", "must be 429 or 503");
        }
        if (p.maxRequestSize.toBytes() < 1) {
            errors.rejectValue("maxRequestSize", "range", "must be positive");
        }
        nonNegative(errors, "retryAfter", p.retryAfter);
        if (!(p.timeoutScale > 0 && p.timeoutScale <= 1000)) {
            errors.rejectValue("timeoutScale", "range", "must be above 0 and at most 1000");
        }
        PoolProperties defaults = p.defaultPool();
        validatePool(errors, "", defaults, defaults);
        for (Map.Entry<String, PoolProperties> e : p.workers.entrySet()) {
            String name = e.getKey();
            String problem = poolNameProblem(name);
            if (problem != null) {
                errors.rejectValue("workers", "name", "pool name '" + shorten(name) + "' " + problem);
                continue;
            }
            PoolProperties named = e.getValue();
            validatePool(errors, "workers[" + name + "].", named, named.inherit(defaults));
        }
    }

    /** Why {@code name} cannot name a pool, or {@code null}; linear in the name, no regular expression. */
    public static String poolNameProblem(String name) {
        if (name.isEmpty() || name.length() > 64) {
            return "must be 1 to 64 characters long";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return "may only contain lower-case letters, digits and '-'";
            }
        }
        if (DEFAULT_POOL.equals(name)) {
            return "is reserved for the pool configured by molt.accel.*";
        }
        return null;
    }

    private static String shorten(String name) {
        return name.length() <= 64 ? name : name.substring(0, 64) + "...";
    }

    /**
     * Checks the values {@code set} gives (every value for the default pool, the keys a named pool
     * sets otherwise); pairs are checked on the {@code resolved} values when either side is set.
     */
    private static void validatePool(Errors errors, String prefix, PoolProperties set, PoolProperties resolved) {
        if (set.getEndpoints() != null && !set.getEndpoints().isEmpty()) {
            try {
                dev.molt.accel.client.MoltClient.builder().endpoints(set.getEndpoints());
            } catch (IllegalArgumentException | NullPointerException e) {
                errors.rejectValue(prefix + "endpoints", "invalid", shorten(String.valueOf(e.getMessage())));
            }
        }
        if (set.getConnectionsPerEndpoint() != null
                && (set.getConnectionsPerEndpoint() < 1 || set.getConnectionsPerEndpoint() > 64)) {
            errors.rejectValue(prefix + "connectionsPerEndpoint", "range", "must be within 1..64");
        }
        positive(errors, prefix + "discovery.refresh", set.getDiscovery().getRefresh());
        if (set.getPoolSize() != null && (set.getPoolSize() < 1 || set.getPoolSize() > 1024)) {
            errors.rejectValue(prefix + "poolSize", "range", "must be within 1..1024");
        }
        if (set.getTimeout() != null) {
            nonNegative(errors, prefix + "timeout", set.getTimeout());
            if (set.getTimeout().toMillis() > 0xFFFF_FFFFL) {
                errors.rejectValue(prefix + "timeout", "range", "must fit in 32 bits of milliseconds");
            }
        }
        if (set.getSpareWorkers() != null && (set.getSpareWorkers() < 0 || set.getSpareWorkers() > 1024)) {
            errors.rejectValue(prefix + "spareWorkers", "range", "must be within 0..1024");
        }
        if ((set.getMaxPoolSize() != null || set.getPoolSize() != null) && resolved.getMaxPoolSize() != null
                && (resolved.getMaxPoolSize() < resolved.getPoolSize() || resolved.getMaxPoolSize() > 1024)) {
            errors.rejectValue(prefix + "maxPoolSize", "range", "must be within pool-size..1024");
        }
        if (set.getScaleUpInFlight() != null && set.getScaleUpInFlight() < 1) {
            errors.rejectValue(prefix + "scaleUpInFlight", "range", "must be positive");
        }
        positive(errors, prefix + "idleTimeout", set.getIdleTimeout());
        if (set.getWarmup() != null) {
            for (int i = 0; i < set.getWarmup().size(); i++) {
                PoolProperties.WarmupCall call = set.getWarmup().get(i);
                if (call == null || call.getEntry() == null || call.getEntry().isBlank()) {
                    errors.rejectValue(prefix + "warmup", "required", "warmup[" + i + "].entry is required");
                } else {
                    try {
                        call.toClientCall();
                    } catch (IllegalArgumentException e) {
                        errors.rejectValue(prefix + "warmup", "invalid", "warmup[" + i + "]: " + e.getMessage());
                    }
                }
            }
        }
        PoolProperties.Worker w = set.getWorker();
        PoolProperties.Worker rw = resolved.getWorker();
        if (w.getMainClass() != null && !w.getMainClass().isBlank()) {
            String problem = PoolProperties.Worker.mainClassProblem(w.getMainClass().trim());
            if (problem != null) {
                errors.rejectValue(prefix + "worker.mainClass", "invalid", problem);
            }
        }
        positive(errors, prefix + "worker.startTimeout", w.getStartTimeout());
        positive(errors, prefix + "worker.closeTimeout", w.getCloseTimeout());
        if (w.getCancelGrace() != null) {
            nonNegative(errors, prefix + "worker.cancelGrace", w.getCancelGrace());
        }
        positive(errors, prefix + "worker.restartBackoff", w.getRestartBackoff());
        positive(errors, prefix + "worker.restartBackoffMax", w.getRestartBackoffMax());
        if ((w.getRestartBackoff() != null || w.getRestartBackoffMax() != null)
                && rw.getRestartBackoffMax().compareTo(rw.getRestartBackoff()) < 0) {
            errors.rejectValue(prefix + "worker.restartBackoffMax", "range", "must not be less than worker.restart-backoff");
        }
        if (w.getMaxRestarts() != null && w.getMaxRestarts() < 0) {
            errors.rejectValue(prefix + "worker.maxRestarts", "range", "must not be negative");
        }
        if (w.getMaxFrameSize() != null
                && (w.getMaxFrameSize().toBytes() < 64 || w.getMaxFrameSize().toBytes() > Integer.MAX_VALUE)) {
            errors.rejectValue(prefix + "worker.maxFrameSize", "range", "must be within 64B..2GB");
        }
        PoolProperties.Retry r = set.getRetry();
        if (r.getMaxRetries() != null && r.getMaxRetries() < 0) {
            errors.rejectValue(prefix + "retry.maxRetries", "range", "must not be negative");
        }
        if (r.getBackoff() != null) {
            nonNegative(errors, prefix + "retry.backoff", r.getBackoff());
        }
        if (r.getBackoffMax() != null) {
            nonNegative(errors, prefix + "retry.backoffMax", r.getBackoffMax());
        }
        if ((r.getBackoff() != null || r.getBackoffMax() != null)
                && resolved.getRetry().getBackoffMax().compareTo(resolved.getRetry().getBackoff()) < 0) {
            errors.rejectValue(prefix + "retry.backoffMax", "range", "must not be less than retry.backoff");
        }
        PoolProperties.Health h = set.getHealth();
        positive(errors, prefix + "health.pingTimeout", h.getPingTimeout());
        if (h.getFailureThreshold() != null && h.getFailureThreshold() < 0) {
            errors.rejectValue(prefix + "health.failureThreshold", "range", "must not be negative");
        }
        positive(errors, prefix + "health.interval", h.getInterval());
        positive(errors, prefix + "health.timeout", h.getTimeout());
        PoolProperties.Recycle c = set.getRecycle();
        if (c.getMaxCalls() != null && c.getMaxCalls() < 1) {
            errors.rejectValue(prefix + "recycle.maxCalls", "range", "must be positive");
        }
        positive(errors, prefix + "recycle.maxAge", c.getMaxAge());
        if (c.getMaxRss() != null && c.getMaxRss().toBytes() < 1) {
            errors.rejectValue(prefix + "recycle.maxRss", "range", "must be positive");
        }
        if (c.getJitter() != null && !(c.getJitter() >= 0 && c.getJitter() < 1)) {
            errors.rejectValue(prefix + "recycle.jitter", "range", "must be within 0 (inclusive) and 1 (exclusive)");
        }
    }

    private static void nonNegative(Errors errors, String field, Duration d) {
        if (d.isNegative()) {
            errors.rejectValue(field, "range", "must not be negative");
        }
    }

    /** Rejects {@code d} unless it is unset or positive. */
    private static void positive(Errors errors, String field, Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) {
            errors.rejectValue(field, "range", "must be positive");
        }
    }

    /** The worker processes: how to launch them and talk to them. */
    public static class Worker {

        /**
         * The worker command as a list of arguments, launched directly (never through a shell).
         * Empty: command-line, else a molt-worker executable on PATH, else the bundled Java worker.
         */
        private List<String> command = new ArrayList<>();

        /** The worker command as one line split on white space, like MOLT_WORKER_CMD; command wins. */
        private String commandLine;

        /**
         * A Java worker of the application's own: the fully qualified name of a class whose main
         * method serves the protocol on stdio (MoltWorker.runAndExit), run with the current JVM and
         * the application's class path (an executable Spring Boot jar through its launcher, an IDE,
         * spring-boot:run or a test). java-options apply to it. command or command-line (so also
         * MOLT_WORKER_CMD) wins over it, so a deployment can start a lean worker instead.
         */
        private String mainClass;

        /** Envelope wire: msgpack or json. */
        private Wire wire = Wire.MSGPACK;

        /** Variables added to the worker's environment (it inherits the rest). */
        private Map<String, String> environment = new LinkedHashMap<>();

        /** Working directory of the worker; the application's by default. */
        private Path workingDirectory;

        /**
         * JVM options of a Java worker, the bundled one or main-class (ignored for other commands). -XX:+UseSerialGC is
         * added unless these choose a collector.
         */
        private List<String> javaOptions = new ArrayList<>();

        /** How long a worker may take to start and answer its readiness ping. */
        private Duration startTimeout = Duration.ofSeconds(20);

        /** How long closing waits at each step (stdin closed, SIGTERM) before escalating. */
        private Duration closeTimeout = Duration.ofSeconds(2);

        /** How long a worker may take to answer a timed-out call after its __cancel__ before it is replaced. */
        private Duration cancelGrace = Duration.ofMillis(200);

        /** First backoff after a failed worker start; doubles up to restart-backoff-max. */
        private Duration restartBackoff = Duration.ofMillis(10);

        /** Largest backoff between failed worker starts. */
        private Duration restartBackoffMax = Duration.ofSeconds(5);

        /** How many times an idempotent call may be re-sent after its worker died. */
        private int maxRestarts = 1;

        /** Largest frame body sent or accepted. */
        private DataSize maxFrameSize = DataSize.ofMegabytes(64);

        /**
         * Whether Java workers (the bundled one) use a class-data sharing archive of their classes,
         * created once in the background in cache-directory/cds and used by every later start.
         */
        private boolean cds = true;

        /**
         * Whether the bundled Java worker runs its exports' sample requests (decode, handler,
         * encode; at most about a second) before it answers its readiness ping.
         */
        private boolean selfWarmup = true;

        /**
         * Where class-data archives are kept; unset: the molt.accel.cache-dir system property, else
         * $XDG_CACHE_HOME/molt-accel, else ~/.cache/molt-accel.
         */
        private Path cacheDirectory;

        public List<String> getCommand() {
            return command;
        }

        public void setCommand(List<String> command) {
            this.command = new ArrayList<>(Objects.requireNonNull(command, "command"));
        }

        public String getCommandLine() {
            return commandLine;
        }

        public void setCommandLine(String commandLine) {
            this.commandLine = commandLine;
        }

        public String getMainClass() {
            return mainClass;
        }

        public void setMainClass(String mainClass) {
            this.mainClass = mainClass;
        }

        public Wire getWire() {
            return wire;
        }

        public void setWire(Wire wire) {
            this.wire = Objects.requireNonNull(wire, "wire");
        }

        public Map<String, String> getEnvironment() {
            return environment;
        }

        public void setEnvironment(Map<String, String> environment) {
            this.environment = new LinkedHashMap<>(environment);
        }

        public Path getWorkingDirectory() {
            return workingDirectory;
        }

        public void setWorkingDirectory(Path workingDirectory) {
            this.workingDirectory = workingDirectory;
        }

        public List<String> getJavaOptions() {
            return javaOptions;
        }

        public void setJavaOptions(List<String> javaOptions) {
            this.javaOptions = new ArrayList<>(javaOptions);
        }

        public Duration getStartTimeout() {
            return startTimeout;
        }

        public void setStartTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
        }

        public Duration getCloseTimeout() {
            return closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        }

        public Duration getCancelGrace() {
            return cancelGrace;
        }

        public void setCancelGrace(Duration cancelGrace) {
            this.cancelGrace = Objects.requireNonNull(cancelGrace, "cancelGrace");
        }

        public Duration getRestartBackoff() {
            return restartBackoff;
        }

        public void setRestartBackoff(Duration restartBackoff) {
            this.restartBackoff = Objects.requireNonNull(restartBackoff, "restartBackoff");
        }

        public Duration getRestartBackoffMax() {
            return restartBackoffMax;
        }

        public void setRestartBackoffMax(Duration restartBackoffMax) {
            this.restartBackoffMax = Objects.requireNonNull(restartBackoffMax, "restartBackoffMax");
        }

        public int getMaxRestarts() {
            return maxRestarts;
        }

        public void setMaxRestarts(int maxRestarts) {
            this.maxRestarts = maxRestarts;
        }

        public DataSize getMaxFrameSize() {
            return maxFrameSize;
        }

        public void setMaxFrameSize(DataSize maxFrameSize) {
            this.maxFrameSize = Objects.requireNonNull(maxFrameSize, "maxFrameSize");
        }

        public boolean isCds() {
            return cds;
        }

        public void setCds(boolean cds) {
            this.cds = cds;
        }

        public boolean isSelfWarmup() {
            return selfWarmup;
        }

        public void setSelfWarmup(boolean selfWarmup) {
            this.selfWarmup = selfWarmup;
        }

        public Path getCacheDirectory() {
            return cacheDirectory;
        }

        public void setCacheDirectory(Path cacheDirectory) {
            this.cacheDirectory = cacheDirectory;
        }

        /** The effective command: {@code command}, else {@code command-line} split on white space, else empty. */
        public List<String> effectiveCommand() {
            if (!command.isEmpty()) {
                return List.copyOf(command);
            }
            if (commandLine != null && !commandLine.isBlank()) {
                return List.of(commandLine.trim().split("\\s+"));
            }
            return List.of();
        }
    }

    /** Retries of offloaded calls; @MoltOffload options override each. */
    public static class Retry {

        /** Whether an idempotent call that timed out is sent again. */
        private boolean onTimeout = false;

        /** Whether a call answered Busy is sent again (safe: a busy worker did not run it). */
        private boolean onBusy = false;

        /** Largest number of retries of one call. */
        private int maxRetries = 2;

        /** First backoff between retries; doubles up to backoff-max. */
        private Duration backoff = Duration.ofMillis(10);

        /** Largest backoff between retries. */
        private Duration backoffMax = Duration.ofMillis(200);

        public boolean isOnTimeout() {
            return onTimeout;
        }

        public void setOnTimeout(boolean onTimeout) {
            this.onTimeout = onTimeout;
        }

        public boolean isOnBusy() {
            return onBusy;
        }

        public void setOnBusy(boolean onBusy) {
            this.onBusy = onBusy;
        }

        public int getMaxRetries() {
            return maxRetries;
        }

        public void setMaxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getBackoff() {
            return backoff;
        }

        public void setBackoff(Duration backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
        }

        public Duration getBackoffMax() {
            return backoffMax;
        }

        public void setBackoffMax(Duration backoffMax) {
            this.backoffMax = Objects.requireNonNull(backoffMax, "backoffMax");
        }
    }

    /** The {@code molt} health indicator and the probes of idle workers. */
    public static class Health {

        /** How long the health check waits for every worker to answer __ping__. */
        private Duration pingTimeout = Duration.ofSeconds(1);

        public Duration getPingTimeout() {
            return pingTimeout;
        }

        public void setPingTimeout(Duration pingTimeout) {
            this.pingTimeout = Objects.requireNonNull(pingTimeout, "pingTimeout");
        }

        /**
         * Consecutive calls ending in a protocol error or a timeout after which health is DOWN
         * (reason {@code calls_failing}) even while the workers answer {@code __ping__}; the next
         * successful call makes it UP again. 0 turns this off.
         */
        private int failureThreshold = 5;

        public int getFailureThreshold() {
            return failureThreshold;
        }

        public void setFailureThreshold(int failureThreshold) {
            this.failureThreshold = failureThreshold;
        }

        /** Time without an answer after which an idle worker is sent __ping__ (hung-worker probe). */
        private Duration interval = Duration.ofSeconds(5);

        /** How long that probe waits for the answer before the worker is replaced. */
        private Duration timeout = Duration.ofSeconds(1);

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = Objects.requireNonNull(interval, "interval");
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
        }
    }
}
