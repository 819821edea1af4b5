package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/**
 * The keys of one named worker pool, {@code molt.accel.workers.<name>.*}: the same keys as the
 * default pool ({@code molt.accel.*}), each left unset ({@code null}) unless given, in which case
 * the default pool's value applies ({@link #inherit}). A resolved instance (every value set) is
 * what the starter maps to a {@code MoltClientBuilder} ({@link MoltClientBuilderFactory#configure}).
 * Mutable while bound, then only read; not thread-safe while being bound.
 */
public class PoolProperties {

    /** How calls hold this pool's client: shared or per_request. Default: molt.accel.client-mode. */
    private ClientMode clientMode;

    /** Worker processes of this pool. Default: molt.accel.pool-size. */
    private Integer poolSize;

    /** Default deadline of one attempt of a call to this pool; 0 means none. Default: molt.accel.timeout. */
    private Duration timeout;

    /** Whether this pool's workers are started while the application starts. Default: molt.accel.eager-start. */
    private Boolean eagerStart;

    /** Whether a worker of this pool that cannot be started fails the application start. Default: molt.accel.fail-fast. */
    private Boolean failFast;

    /**
     * Workers started and ready but taking no calls, ready to replace one that dies or is retired.
     * Default: molt.accel.spare-workers.
     */
    private Integer spareWorkers;

    /** Largest number of workers the pool may grow to under load. Default: molt.accel.max-pool-size. */
    private Integer maxPoolSize;

    /** Calls in flight per worker above which the pool grows. Default: molt.accel.scale-up-in-flight. */
    private Integer scaleUpInFlight;

    /** How long a worker above pool-size may be idle before it is retired. Default: molt.accel.idle-timeout. */
    private Duration idleTimeout;

    /** Calls a new worker must answer before it takes traffic. Default: molt.accel.warmup. */
    private List<WarmupCall> warmup;

    private final Worker worker = new Worker();

    private final Retry retry = new Retry();

    private final Health health = new Health();

    private final Recycle recycle = new Recycle();

    /**
     * Running workers this pool reaches over sockets instead of starting processes: unix:/path,
     * tcp://host:port or tls://host:port. Default: molt.accel.endpoints, unless this pool sets its
     * own worker command.
     */
    private List<String> endpoints;

    /** Connections to each endpoint address. Default: molt.accel.connections-per-endpoint. */
    private Integer connectionsPerEndpoint;

    private final Tls tls = new Tls();

    private final Discovery discovery = new Discovery();

    /** A copy of this pool with every unset value taken from {@code defaults}. */
    public PoolProperties inherit(PoolProperties defaults) {
        PoolProperties r = new PoolProperties();
        r.clientMode = or(clientMode, defaults.clientMode);
        r.poolSize = or(poolSize, defaults.poolSize);
        r.timeout = or(timeout, defaults.timeout);
        r.eagerStart = or(eagerStart, defaults.eagerStart);
        r.failFast = or(failFast, defaults.failFast);
        r.spareWorkers = or(spareWorkers, defaults.spareWorkers);
        r.maxPoolSize = or(maxPoolSize, defaults.maxPoolSize);
        r.scaleUpInFlight = or(scaleUpInFlight, defaults.scaleUpInFlight);
        r.idleTimeout = or(idleTimeout, defaults.idleTimeout);
        r.warmup = or(warmup, defaults.warmup);
        Worker w = worker;
        Worker d = defaults.worker;
        // a command given to the pool in either form wins over both forms of the default's
        boolean ownCommand = !w.effectiveCommand().isEmpty() || w.effectiveMainClass() != null;
        r.worker.command = ownCommand ? w.command : d.command;
        r.worker.commandLine = ownCommand ? w.commandLine : d.commandLine;
        r.worker.mainClass = ownCommand ? w.mainClass : d.mainClass;
        r.worker.wire = or(w.wire, d.wire);
        r.worker.environment = or(w.environment, d.environment);
        r.worker.workingDirectory = or(w.workingDirectory, d.workingDirectory);
        r.worker.javaOptions = or(w.javaOptions, d.javaOptions);
        r.worker.startTimeout = or(w.startTimeout, d.startTimeout);
        r.worker.closeTimeout = or(w.closeTimeout, d.closeTimeout);
        r.worker.cancelGrace = or(w.cancelGrace, d.cancelGrace);
        r.worker.restartBackoff = or(w.restartBackoff, d.restartBackoff);
        r.worker.restartBackoffMax = or(w.restartBackoffMax, d.restartBackoffMax);
        r.worker.maxRestarts = or(w.maxRestarts, d.maxRestarts);
        r.worker.maxFrameSize = or(w.maxFrameSize, d.maxFrameSize);
        r.worker.cds = or(w.cds, d.cds);
        r.worker.selfWarmup = or(w.selfWarmup, d.selfWarmup);
        r.worker.cacheDirectory = or(w.cacheDirectory, d.cacheDirectory);
        r.retry.onTimeout = or(retry.onTimeout, defaults.retry.onTimeout);
        r.retry.onBusy = or(retry.onBusy, defaults.retry.onBusy);
        r.retry.maxRetries = or(retry.maxRetries, defaults.retry.maxRetries);
        r.retry.backoff = or(retry.backoff, defaults.retry.backoff);
        r.retry.backoffMax = or(retry.backoffMax, defaults.retry.backoffMax);
        r.health.pingTimeout = or(health.pingTimeout, defaults.health.pingTimeout);
        r.health.failureThreshold = or(health.failureThreshold, defaults.health.failureThreshold);
        r.health.interval = or(health.interval, defaults.health.interval);
        r.health.timeout = or(health.timeout, defaults.health.timeout);
        r.recycle.maxCalls = or(recycle.maxCalls, defaults.recycle.maxCalls);
        r.recycle.maxAge = or(recycle.maxAge, defaults.recycle.maxAge);
        r.recycle.maxRss = or(recycle.maxRss, defaults.recycle.maxRss);
        r.recycle.jitter = or(recycle.jitter, defaults.recycle.jitter);
        // the default pool's endpoints only go to a pool that names neither a command nor endpoints of its own
        r.endpoints = endpoints != null ? endpoints : ownCommand ? null : defaults.endpoints;
        r.connectionsPerEndpoint = or(connectionsPerEndpoint, defaults.connectionsPerEndpoint);
        r.tls.bundle = or(tls.bundle, defaults.tls.bundle);
        r.discovery.refresh = or(discovery.refresh, defaults.discovery.refresh);
        return r;
    }

    private static <T> T or(T value, T dflt) {
        return value != null ? value : dflt;
    }

    public ClientMode getClientMode() {
        return clientMode;
    }

    public void setClientMode(ClientMode clientMode) {
        this.clientMode = clientMode;
    }

    public Integer getPoolSize() {
        return poolSize;
    }

    public void setPoolSize(Integer poolSize) {
        this.poolSize = poolSize;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Boolean getEagerStart() {
        return eagerStart;
    }

    public void setEagerStart(Boolean eagerStart) {
        this.eagerStart = eagerStart;
    }

    public Boolean getFailFast() {
        return failFast;
    }

    public void setFailFast(Boolean failFast) {
        this.failFast = failFast;
    }

    public Integer getSpareWorkers() {
        return spareWorkers;
    }

    public void setSpareWorkers(Integer spareWorkers) {
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

    public List<WarmupCall> getWarmup() {
        return warmup;
    }

    public void setWarmup(List<WarmupCall> warmup) {
        this.warmup = warmup == null ? null : new ArrayList<>(warmup);
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

    public Recycle getRecycle() {
        return recycle;
    }

    /** How this pool's worker processes are launched and talked to; unset keys take molt.accel.worker.*. */
    public List<String> getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(List<String> endpoints) {
        this.endpoints = endpoints;
    }

    public Integer getConnectionsPerEndpoint() {
        return connectionsPerEndpoint;
    }

    public void setConnectionsPerEndpoint(Integer connectionsPerEndpoint) {
        this.connectionsPerEndpoint = connectionsPerEndpoint;
    }

    public Tls getTls() {
        return tls;
    }

    public Discovery getDiscovery() {
        return discovery;
    }

    /** TLS of tls:// endpoints. */
    public static class Tls {

        /**
         * Name of the Spring Boot SSL bundle (spring.ssl.bundle.*) giving keys and trust of tls://
         * endpoints; unset: the JVM's default trust. Default: molt.accel.tls.bundle.
         */
        private String bundle;

        public String getBundle() {
            return bundle;
        }

        public void setBundle(String bundle) {
            this.bundle = bundle;
        }
    }

    /** Name resolution of endpoint host names. */
    public static class Discovery {

        /**
         * How old the addresses of an endpoint's host name may be when a connection opens before
         * the name is resolved again. Default: molt.accel.discovery.refresh.
         */
        private Duration refresh;

        public Duration getRefresh() {
            return refresh;
        }

        public void setRefresh(Duration refresh) {
            this.refresh = refresh;
        }
    }

    public static class Worker {

        /** The worker command as a list of arguments, launched directly. Default: molt.accel.worker.command. */
        private List<String> command;

        /** The worker command as one line split on white space; command wins. Default: molt.accel.worker.command-line. */
        private String commandLine;

        /**
         * A Java worker class of the application's own, run with its main method, the current JVM
         * and the application's class path. Default: molt.accel.worker.main-class (a pool's own
         * command or main class, in any form, wins over the default pool's).
         */
        private String mainClass;

        /** Envelope wire: msgpack or json. Default: molt.accel.worker.wire. */
        private Wire wire;

        /** Variables added to the worker's environment; replaces the default pool's map when set. */
        private Map<String, String> environment;

        /** Working directory of the worker. Default: molt.accel.worker.working-directory. */
        private Path workingDirectory;

        /** JVM options of a Java worker (the bundled one or main-class); replaces the default pool's list when set. */
        private List<String> javaOptions;

        /** How long a worker may take to start and answer its readiness ping. Default: molt.accel.worker.start-timeout. */
        private Duration startTimeout;

        /** How long closing waits at each step before escalating. Default: molt.accel.worker.close-timeout. */
        private Duration closeTimeout;

        /** Answer time after a __cancel__ before the worker is replaced. Default: molt.accel.worker.cancel-grace. */
        private Duration cancelGrace;

        /** First backoff after a failed worker start. Default: molt.accel.worker.restart-backoff. */
        private Duration restartBackoff;

        /** Largest backoff between failed worker starts. Default: molt.accel.worker.restart-backoff-max. */
        private Duration restartBackoffMax;

        /** Re-sends of an idempotent call after its worker died. Default: molt.accel.worker.max-restarts. */
        private Integer maxRestarts;

        /** Largest frame body sent or accepted. Default: molt.accel.worker.max-frame-size. */
        private DataSize maxFrameSize;

        /** Whether Java workers use a class-data sharing archive of their classes. Default: molt.accel.worker.cds. */
        private Boolean cds;

        /**
         * Whether the bundled Java worker runs its exports' sample requests before it answers its
         * readiness ping (--warmup). Default: molt.accel.worker.self-warmup.
         */
        private Boolean selfWarmup;

        /** Where class-data archives are kept. Default: molt.accel.worker.cache-directory. */
        private Path cacheDirectory;

        public List<String> getCommand() {
            return command;
        }

        public void setCommand(List<String> command) {
            this.command = command == null ? null : new ArrayList<>(command);
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
            this.wire = wire;
        }

        public Map<String, String> getEnvironment() {
            return environment;
        }

        public void setEnvironment(Map<String, String> environment) {
            this.environment = environment == null ? null : new LinkedHashMap<>(environment);
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
            this.javaOptions = javaOptions == null ? null : new ArrayList<>(javaOptions);
        }

        public Duration getStartTimeout() {
            return startTimeout;
        }

        public void setStartTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
        }

        public Duration getCloseTimeout() {
            return closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
        }

        public Duration getCancelGrace() {
            return cancelGrace;
        }

        public void setCancelGrace(Duration cancelGrace) {
            this.cancelGrace = cancelGrace;
        }

        public Duration getRestartBackoff() {
            return restartBackoff;
        }

        public void setRestartBackoff(Duration restartBackoff) {
            this.restartBackoff = restartBackoff;
        }

        public Duration getRestartBackoffMax() {
            return restartBackoffMax;
        }

        public void setRestartBackoffMax(Duration restartBackoffMax) {
            this.restartBackoffMax = restartBackoffMax;
        }

        public Integer getMaxRestarts() {
            return maxRestarts;
        }

        public void setMaxRestarts(Integer maxRestarts) {
            this.maxRestarts = maxRestarts;
        }

        public DataSize getMaxFrameSize() {
            return maxFrameSize;
        }

        public void setMaxFrameSize(DataSize maxFrameSize) {
            this.maxFrameSize = maxFrameSize;
        }

        public Boolean getCds() {
            return cds;
        }

        public void setCds(Boolean cds) {
            this.cds = cds;
        }

        public Boolean getSelfWarmup() {
            return selfWarmup;
        }

        public void setSelfWarmup(Boolean selfWarmup) {
            this.selfWarmup = selfWarmup;
        }

        public Path getCacheDirectory() {
            return cacheDirectory;
        }

        public void setCacheDirectory(Path cacheDirectory) {
            this.cacheDirectory = cacheDirectory;
        }

        /** The main class of a Java worker of the application's own, trimmed, or {@code null} when unset or blank. */
        public String effectiveMainClass() {
            return mainClass == null || mainClass.isBlank() ? null : mainClass.trim();
        }

        /**
         * Why {@code name} cannot be a class name, or {@code null}: dot-separated Java identifiers,
         * at most 512 characters; one pass, no regular expression.
         */
        static String mainClassProblem(String name) {
            if (name.length() > 512) {
                return "must be a class name of at most 512 characters";
            }
            boolean start = true;
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c == '.' && !start) {
                    start = true;
                } else if (start ? Character.isJavaIdentifierStart(c) : Character.isJavaIdentifierPart(c)) {
                    start = false;
                } else {
                    return "must be a fully qualified class name such as com.example.MyWorker";
                }
            }
            return start ? "must be a fully qualified class name such as com.example.MyWorker" : null;
        }

        /** The effective command: {@code command}, else {@code command-line} split on white space, else empty. */
        public List<String> effectiveCommand() {
            if (command != null && !command.isEmpty()) {
                return List.copyOf(command);
            }
            if (commandLine != null && !commandLine.isBlank()) {
                return List.of(commandLine.trim().split("\\s+"));
            }
            return List.of();
        }
    }

    /** Retries of calls to this pool; unset keys take molt.accel.retry.*; @MoltOffload options override each. */
    public static class Retry {

        /** Whether an idempotent call that timed out is sent again. Default: molt.accel.retry.on-timeout. */
        private Boolean onTimeout;

        /** Whether a call answered Busy is sent again. Default: molt.accel.retry.on-busy. */
        private Boolean onBusy;

        /** Largest number of retries of one call. Default: molt.accel.retry.max-retries. */
        private Integer maxRetries;

        /** First backoff between retries. Default: molt.accel.retry.backoff. */
        private Duration backoff;

        /** Largest backoff between retries. Default: molt.accel.retry.backoff-max. */
        private Duration backoffMax;

        public Boolean getOnTimeout() {
            return onTimeout;
        }

        public void setOnTimeout(Boolean onTimeout) {
            this.onTimeout = onTimeout;
        }

        public Boolean getOnBusy() {
            return onBusy;
        }

        public void setOnBusy(Boolean onBusy) {
            this.onBusy = onBusy;
        }

        public Integer getMaxRetries() {
            return maxRetries;
        }

        public void setMaxRetries(Integer maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getBackoff() {
            return backoff;
        }

        public void setBackoff(Duration backoff) {
            this.backoff = backoff;
        }

        public Duration getBackoffMax() {
            return backoffMax;
        }

        public void setBackoffMax(Duration backoffMax) {
            this.backoffMax = backoffMax;
        }
    }

    /** This pool's health component and probes; unset keys take molt.accel.health.*. */
    public static class Health {

        /** How long the health check waits for every worker to answer __ping__. Default: molt.accel.health.ping-timeout. */
        private Duration pingTimeout;

        /** Calls in a row ending in a protocol error or a timeout after which health is DOWN; 0 = off. */
        private Integer failureThreshold;

        /** Time without an answer after which an idle worker is sent __ping__. Default: molt.accel.health.interval. */
        private Duration interval;

        /** How long that probe waits before the worker is replaced. Default: molt.accel.health.timeout. */
        private Duration timeout;

        public Duration getPingTimeout() {
            return pingTimeout;
        }

        public void setPingTimeout(Duration pingTimeout) {
            this.pingTimeout = pingTimeout;
        }

        public Integer getFailureThreshold() {
            return failureThreshold;
        }

        public void setFailureThreshold(Integer failureThreshold) {
            this.failureThreshold = failureThreshold;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** When workers are retired and replaced (rolling, with jitter, one at a time); unset keys take molt.accel.recycle.*. */
    public static class Recycle {

        /** Calls after which a worker is recycled; unset: never. */
        private Long maxCalls;

        /** Age after which a worker is recycled; unset: never. */
        private Duration maxAge;

        /** Resident memory above which a worker is recycled; unset: never. */
        private DataSize maxRss;

        /** Random spread of the limits above, as a fraction (0.1 = up to 10 % earlier). */
        private Double jitter;

        public Long getMaxCalls() {
            return maxCalls;
        }

        public void setMaxCalls(Long maxCalls) {
            this.maxCalls = maxCalls;
        }

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        public DataSize getMaxRss() {
            return maxRss;
        }

        public void setMaxRss(DataSize maxRss) {
            this.maxRss = maxRss;
        }

        public Double getJitter() {
            return jitter;
        }

        public void setJitter(Double jitter) {
            this.jitter = jitter;
        }
    }

    /**
     * One warm-up call: {@code entry}, the {@code codec} it is sent in, the {@code payload} as JSON
     * text (sent as is for json, converted for msgpack; the text's UTF-8 bytes for raw), and how
     * many times each new worker is sent it.
     */
    public static class WarmupCall {

        /** Export to call. */
        private String entry;

        /** Codec the call is sent in: json (default), msgpack or raw. */
        private String codec = "json";

        /** The payload as JSON text (any text for raw). */
        private String payload = "{}";

        /** How many times each new worker is sent this call. */
        private int count = 1;

        public int getCount() {
            return count;
        }

        public void setCount(int count) {
            this.count = count;
        }

        /**
         * This call as the client takes it.
         *
         * @throws IllegalArgumentException when the codec is unknown, the count below 1 or the
         *     payload not JSON (json and msgpack)
         */
        public dev.molt.accel.client.WarmupCall toClientCall() {
            dev.molt.accel.protocol.Codec c = dev.molt.accel.protocol.Codec.of(codec);
            byte[] text = (payload == null ? "" : payload).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] bytes;
            try {
                bytes = switch (c) {
                    case JSON -> {
                        dev.molt.accel.protocol.Payloads.decode(c, text);
                        yield text;
                    }
                    case MSGPACK -> dev.molt.accel.protocol.Payloads.transcode(text, dev.molt.accel.protocol.Codec.JSON, c);
                    default -> text;
                };
            } catch (dev.molt.accel.protocol.PayloadException e) {
                throw new IllegalArgumentException("payload is not JSON: " + e.getMessage(), e);
            }
            return new dev.molt.accel.client.WarmupCall(entry, c, bytes, count);
        }

        public String getEntry() {
            return entry;
        }

        public void setEntry(String entry) {
            this.entry = entry;
        }

        public String getCodec() {
            return codec;
        }

        public void setCodec(String codec) {
            this.codec = codec;
        }

        public String getPayload() {
            return payload;
        }

        public void setPayload(String payload) {
            this.payload = payload;
        }
    }
}
