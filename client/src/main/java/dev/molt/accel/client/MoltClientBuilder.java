package dev.molt.accel.client;

import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configures and builds a {@link MoltClient}. Not thread-safe; each setter validates its value.
 *
 * <p>The worker command is, in order: {@link #command(List)} or {@link #javaWorker} (whichever was
 * set last), else {@code MOLT_WORKER_CMD}, else a
 * {@code molt-worker} executable on {@code PATH} given the packaged default exports manifest, else
 * the bundled Java worker ({@code dev.molt.accel.worker.MoltWorkerMain}) run by the current JVM
 * when it is on the class path.
 */
public final class MoltClientBuilder {

    List<String> command;
    /** Set by {@link #javaWorker}: main class, then its arguments; the command is made at build time. */
    List<String> javaWorker;
    Map<String, String> environment = new LinkedHashMap<>();
    Path workingDirectory;
    Wire wire = Wire.MSGPACK;
    int poolSize = 1;
    int maxFrameBytes = Frames.DEFAULT_MAX_FRAME_BYTES;
    Duration startTimeout = Duration.ofSeconds(20);
    Duration closeTimeout = Duration.ofSeconds(2);
    Duration cancelGrace = Duration.ofMillis(200);
    Duration restartBackoff = Duration.ofMillis(10);
    Duration restartBackoffMax = Duration.ofSeconds(5);
    int maxRestarts = 1;
    List<String> javaOptions = List.of();
    CallOptions defaultOptions = CallOptions.defaults();
    MoltClientListener listener = MoltClientListener.NONE;
    String name = "molt";
    String stderrLogger = "dev.molt.accel.worker.stderr";
    Map<String, String> sourceEnvironment = System.getenv();
    Duration probeTimeout = Duration.ofSeconds(1);
    java.util.concurrent.Executor callbackExecutor;
    java.util.function.LongSupplier ticker = System::nanoTime;
    boolean workerWarmup = true;
    boolean workerCds = !"false".equalsIgnoreCase(System.getProperty("molt.accel.worker.cds", "true").trim());
    Path cacheDirectory;
    List<dev.molt.accel.client.internal.WarmupRequest> warmup = List.of();
    int spareWorkers;
    long recycleMaxCalls;
    Duration recycleMaxAge = Duration.ZERO;
    long recycleMaxRss;
    double recycleJitter = 0.1;
    Duration healthInterval = Duration.ofSeconds(5);
    Duration healthTimeout = Duration.ofSeconds(1);
    /** 0: the pool size. */
    int maxPoolSize;
    int scaleUpInFlight;
    Duration idleTimeout = Duration.ofSeconds(60);
    /** Set by tests and (later) socket and remote pools; {@code null}: child processes over stdio. */
    dev.molt.accel.client.internal.Transport transport;
    /** Set by {@link #endpoints(List)}: remote workers, no local process. */
    List<dev.molt.accel.client.internal.Endpoint> endpoints = List.of();
    javax.net.ssl.SSLContext sslContext;
    boolean verifyHostname = true;
    int connectionsPerEndpoint = 1;
    Duration discoveryRefresh = Duration.ofSeconds(30);
    Duration connectTimeout = Duration.ofSeconds(5);

    MoltClientBuilder() {
    }

    /** The worker command line, launched directly (never through a shell). */
    public MoltClientBuilder command(List<String> command) {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("command is empty");
        }
        this.command = List.copyOf(command);
        this.javaWorker = null;
        return this;
    }

    /** The worker command line, launched directly (never through a shell). */
    public MoltClientBuilder command(String... command) {
        return command(Arrays.asList(command));
    }

    /** A worker command line split on white space, as {@code MOLT_WORKER_CMD} is. */
    public MoltClientBuilder commandLine(String commandLine) {
        Objects.requireNonNull(commandLine, "commandLine");
        String trimmed = commandLine.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("commandLine is empty");
        }
        return command(Arrays.asList(trimmed.split("\\s+")));
    }

    /**
     * Runs {@code mainClass} from the current class path with the current JVM as the worker
     * (for Java workers other than the bundled one, such as one exporting your own handlers).
     * Inside a Spring Boot executable jar the class is started through Boot's launcher.
     */
    public MoltClientBuilder javaWorker(String mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        List<String> main = new ArrayList<>();
        main.add(mainClass);
        main.addAll(Arrays.asList(args));
        this.javaWorker = List.copyOf(main);
        this.command = null;
        return this;
    }

    /** Variables added to the worker's environment (it inherits the rest). */
    public MoltClientBuilder environment(Map<String, String> environment) {
        this.environment = new LinkedHashMap<>(Objects.requireNonNull(environment, "environment"));
        return this;
    }

    /** The worker's working directory; the client's by default. */
    public MoltClientBuilder workingDirectory(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
        return this;
    }

    /** The envelope wire; msgpack by default. */
    public MoltClientBuilder wire(Wire wire) {
        this.wire = Objects.requireNonNull(wire, "wire");
        return this;
    }

    /** Worker processes; more than 1 builds a {@link MoltClientPool}. */
    public MoltClientBuilder poolSize(int poolSize) {
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize < 1: " + poolSize);
        }
        this.poolSize = poolSize;
        return this;
    }

    /** Largest frame body sent or accepted; 64 MiB by default. */
    public MoltClientBuilder maxFrameBytes(int maxFrameBytes) {
        if (maxFrameBytes < 64) {
            throw new IllegalArgumentException("maxFrameBytes < 64: " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        return this;
    }

    /** How long a worker may take to start and answer its readiness ping; 20 s by default. */
    public MoltClientBuilder startTimeout(Duration startTimeout) {
        this.startTimeout = positive(startTimeout, "startTimeout");
        return this;
    }

    /**
     * How long {@link MoltClient#close()} waits at each step before escalating (stdin EOF, SIGTERM,
     * SIGKILL); 2 s by default. Workers close in parallel, and close() returns within about three
     * steps whatever the workers do.
     */
    public MoltClientBuilder closeTimeout(Duration closeTimeout) {
        this.closeTimeout = positive(closeTimeout, "closeTimeout");
        return this;
    }

    /**
     * How long a worker may take to answer a call that timed out on the client, after its
     * {@code __cancel__}, before it is sent a {@code __ping__} (see {@link #probeTimeout}); 200 ms by
     * default. A replaced worker is destroyed at the latest {@code cancelGrace + closeTimeout} after it
     * stopped taking calls, whatever its calls are doing.
     */
    public MoltClientBuilder cancelGrace(Duration cancelGrace) {
        Objects.requireNonNull(cancelGrace, "cancelGrace");
        if (cancelGrace.isNegative()) {
            throw new IllegalArgumentException("cancelGrace < 0: " + cancelGrace);
        }
        this.cancelGrace = cancelGrace;
        return this;
    }

    /**
     * How long a worker has to answer the {@code __ping__} it is sent when a timed-out call's
     * {@code __cancel__} got no answer within {@link #cancelGrace}: a worker that answers it stays
     * (it is slow, not stuck), one that does not is replaced. 1 s by default.
     */
    public MoltClientBuilder probeTimeout(Duration probeTimeout) {
        this.probeTimeout = positive(probeTimeout, "probeTimeout");
        return this;
    }

    /**
     * The executor on which futures returned by {@link MoltClient#callAsync} complete, and so where
     * code chained on them runs, with the response hooks, cancel checks and listener calls of those
     * calls. By default the client owns a small pool of daemon threads named
     * {@code molt-accel-callback-<n>} (at most {@code max(2, CPUs)}), shut down by {@code close()};
     * a supplied executor is not shut down by the client. Blocking {@code call()}s never go
     * through it: their caller is woken directly.
     */
    public MoltClientBuilder callbackExecutor(java.util.concurrent.Executor callbackExecutor) {
        this.callbackExecutor = Objects.requireNonNull(callbackExecutor, "callbackExecutor");
        return this;
    }

    /**
     * The clock of deadlines, retry backoffs and start backoffs, in nanoseconds with an arbitrary
     * origin, like {@link System#nanoTime()} (the default). Tests supply a fake one to move time
     * without waiting; it must be thread-safe and never go back.
     */
    public MoltClientBuilder ticker(java.util.function.LongSupplier ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        return this;
    }

    /**
     * Where workers are reached; child processes over stdio (the worker command) unless set. Not
     * API yet: the engine's seam for in-memory workers in tests, and for sockets and remote pools.
     */
    MoltClientBuilder transport(dev.molt.accel.client.internal.Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        return this;
    }

    /**
     * Workers served inside this JVM, for tests: each worker of the client is a connection that
     * {@code server} serves on its own daemon thread over two bounded in-memory pipes (for example
     * {@code (in, out) -> moltWorker.serve(in, out)} of the Java worker runtime), with the same
     * frames, deadlines, cancellation and restarts as over a child's stdio, but no process start.
     * {@code server} must read requests until its input ends and then return. The worker command,
     * environment, Java options and CDS settings are then ignored; {@link #endpoints} still take
     * precedence. The testing module ({@code molt-accel-test}) wires this to the worker runtime.
     *
     * @param name names the worker in messages
     */
    public MoltClientBuilder inMemoryWorker(String name,
            java.util.function.BiConsumer<java.io.InputStream, java.io.OutputStream> server) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
        return transport(new dev.molt.accel.client.internal.InMemoryTransport(name, server));
    }

    /**
     * Workers already running, reached over sockets instead of a child process: each
     * {@code unix:/path/to.sock}, {@code tcp://host:port} or {@code tls://host:port} ({@code [::1]}
     * for an IPv6 literal). A client with endpoints starts no process, and ignores the worker command
     * and {@link #poolSize}: its pool has one slot per target and connection, a target being a Unix
     * socket or each address a host name resolves to (see {@link #discoveryRefresh}); each call goes
     * to the connection with the fewest calls in flight. A connection that drops fails its calls in
     * flight (idempotent ones are re-sent on another connection within their deadline, see
     * {@link #maxRestarts}); it reconnects with {@link #restartBackoff} while its endpoint refuses, and
     * takes calls again once the endpoint answers {@code __ping__}. An endpoint whose connections fail
     * is ejected (no connect is tried while its backoff runs) and tried again in the background;
     * {@link MoltClient#start()} succeeds once one endpoint answers. When a name gains addresses the
     * pool adds connections to them; the connections of an address it loses finish their calls and
     * close. {@link MoltClient#endpoints()} shows each one's state. An empty list goes back to a child
     * process.
     *
     * @throws IllegalArgumentException naming the first invalid or repeated endpoint
     */
    public MoltClientBuilder endpoints(List<String> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        List<dev.molt.accel.client.internal.Endpoint> parsed = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String e : endpoints) {
            dev.molt.accel.client.internal.Endpoint ep = dev.molt.accel.client.internal.Endpoint.parse(
                    Objects.requireNonNull(e, "endpoint"));
            if (!seen.add(ep.toString())) {
                throw new IllegalArgumentException("Endpoint given twice: " + ep
                        + " (use connectionsPerEndpoint for more connections)");
            }
            parsed.add(ep);
        }
        this.endpoints = List.copyOf(parsed);
        return this;
    }

    /** As {@link #endpoints(List)}. */
    public MoltClientBuilder endpoints(String... endpoints) {
        return endpoints(Arrays.asList(endpoints));
    }

    /**
     * Keys and trust for {@code tls://} endpoints (a client certificate in its key managers for mutual
     * TLS); the JVM's default context when not set. TLS 1.3 is preferred, 1.2 allowed.
     */
    public MoltClientBuilder sslContext(javax.net.ssl.SSLContext sslContext) {
        this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
        return this;
    }

    /**
     * Whether a TLS endpoint's certificate must name the host dialled (the HTTPS rules: a DNS or IP
     * subject alternative name); true by default. Turn it off only where certificates name no host,
     * and trust is pinned by the context's own CA.
     */
    public MoltClientBuilder verifyHostname(boolean verifyHostname) {
        this.verifyHostname = verifyHostname;
        return this;
    }

    /** Connections to each endpoint target; 1 by default. Each is a slot of the pool. */
    public MoltClientBuilder connectionsPerEndpoint(int connectionsPerEndpoint) {
        if (connectionsPerEndpoint < 1) {
            throw new IllegalArgumentException("connectionsPerEndpoint < 1: " + connectionsPerEndpoint);
        }
        this.connectionsPerEndpoint = connectionsPerEndpoint;
        return this;
    }

    /**
     * How old the resolved addresses of an endpoint's host name may be when a connection is opened
     * before the name is resolved again; 30 s by default. A failed connect resolves again at once.
     * The pool's size is fixed by the addresses found when the client is built: later changes move
     * connections to the new addresses, but do not add slots.
     */
    public MoltClientBuilder discoveryRefresh(Duration discoveryRefresh) {
        this.discoveryRefresh = positive(discoveryRefresh, "discoveryRefresh");
        return this;
    }

    /** The longest a socket connect (and then its TLS handshake) may take; 5 s by default. */
    public MoltClientBuilder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = positive(connectTimeout, "connectTimeout");
        return this;
    }

    /** Backoff between failed worker starts: from {@code initial}, doubling up to {@code max}. */
    public MoltClientBuilder restartBackoff(Duration initial, Duration max) {
        positive(initial, "restartBackoff");
        positive(max, "restartBackoffMax");
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("restartBackoffMax (" + max + ") < restartBackoff (" + initial + ")");
        }
        this.restartBackoff = initial;
        this.restartBackoffMax = max;
        return this;
    }

    /** How many times an idempotent call may be re-sent after its worker died; 1 by default. */
    public MoltClientBuilder maxRestarts(int maxRestarts) {
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("maxRestarts < 0: " + maxRestarts);
        }
        this.maxRestarts = maxRestarts;
        return this;
    }

    /**
     * Workers kept started and ready but taking no calls; 0 by default. When a worker dies or is
     * replaced, a spare takes its calls at once and a new spare starts in the background.
     */
    public MoltClientBuilder spareWorkers(int spareWorkers) {
        if (spareWorkers < 0 || spareWorkers > 1024) {
            throw new IllegalArgumentException("spareWorkers outside 0..1024: " + spareWorkers);
        }
        this.spareWorkers = spareWorkers;
        return this;
    }

    /**
     * Calls after which a worker is recycled (0, the default: no limit): a replacement is started
     * and ready first, then the old worker takes no new calls, finishes those in flight and closes.
     * Lowered by up to {@link #recycleJitter} at random per worker; one worker of a pool at a time.
     */
    public MoltClientBuilder recycleMaxCalls(long recycleMaxCalls) {
        if (recycleMaxCalls < 0) {
            throw new IllegalArgumentException("recycleMaxCalls < 0: " + recycleMaxCalls);
        }
        this.recycleMaxCalls = recycleMaxCalls;
        return this;
    }

    /** Age after which a worker is recycled (zero, the default: no limit), as {@link #recycleMaxCalls}. */
    public MoltClientBuilder recycleMaxAge(Duration recycleMaxAge) {
        Objects.requireNonNull(recycleMaxAge, "recycleMaxAge");
        if (recycleMaxAge.isNegative()) {
            throw new IllegalArgumentException("recycleMaxAge < 0: " + recycleMaxAge);
        }
        this.recycleMaxAge = recycleMaxAge;
        return this;
    }

    /**
     * Resident set size in bytes above which a worker is recycled (0, the default: no limit), read
     * from {@code /proc/<pid>/status} at each {@link #healthInterval}; where that file does not
     * exist the limit is off (logged once at INFO).
     */
    public MoltClientBuilder recycleMaxRss(long recycleMaxRssBytes) {
        if (recycleMaxRssBytes < 0) {
            throw new IllegalArgumentException("recycleMaxRss < 0: " + recycleMaxRssBytes);
        }
        this.recycleMaxRss = recycleMaxRssBytes;
        return this;
    }

    /** Fraction (0..1) by which each worker's recycling limits are lowered at random; 0.1 by default. */
    public MoltClientBuilder recycleJitter(double recycleJitter) {
        if (!(recycleJitter >= 0 && recycleJitter <= 1)) {
            throw new IllegalArgumentException("recycleJitter outside 0..1: " + recycleJitter);
        }
        this.recycleJitter = recycleJitter;
        return this;
    }

    /**
     * How long a worker may go without any answer before it is sent a {@code __ping__}; 5 s by
     * default, zero turns health probes off. One that misses it (see {@link #healthTimeout}) is
     * replaced: a hung worker (stopped, deadlocked) is noticed even while the application is idle.
     */
    public MoltClientBuilder healthInterval(Duration healthInterval) {
        Objects.requireNonNull(healthInterval, "healthInterval");
        if (healthInterval.isNegative()) {
            throw new IllegalArgumentException("healthInterval < 0: " + healthInterval);
        }
        this.healthInterval = healthInterval;
        return this;
    }

    /** How long a health probe's {@code __ping__} may take before its worker is replaced; 1 s by default. */
    public MoltClientBuilder healthTimeout(Duration healthTimeout) {
        this.healthTimeout = positive(healthTimeout, "healthTimeout");
        return this;
    }

    /**
     * The most workers taking calls; the pool size by default. Above the pool size the pool grows
     * by one worker at a time while calls in flight per worker exceed {@link #scaleUpInFlight} or
     * a worker answers {@code Busy}, and shrinks back after {@link #idleTimeout}.
     */
    public MoltClientBuilder maxPoolSize(int maxPoolSize) {
        if (maxPoolSize < 1 || maxPoolSize > 1024) {
            throw new IllegalArgumentException("maxPoolSize outside 1..1024: " + maxPoolSize);
        }
        this.maxPoolSize = maxPoolSize;
        return this;
    }

    /** Calls in flight per worker above which an elastic pool grows; 0 (the default): only on {@code Busy}. */
    public MoltClientBuilder scaleUpInFlight(int scaleUpInFlight) {
        if (scaleUpInFlight < 0) {
            throw new IllegalArgumentException("scaleUpInFlight < 0: " + scaleUpInFlight);
        }
        this.scaleUpInFlight = scaleUpInFlight;
        return this;
    }

    /** How long a worker added above the pool size may stay without calls before it closes; 60 s by default. */
    public MoltClientBuilder idleTimeout(Duration idleTimeout) {
        this.idleTimeout = positive(idleTimeout, "idleTimeout");
        return this;
    }

    /** JVM options of a Java worker: the bundled one or one set with {@link #javaWorker} (ignored for other commands). */
    public MoltClientBuilder javaOptions(List<String> javaOptions) {
        this.javaOptions = List.copyOf(javaOptions);
        return this;
    }

    /**
     * Calls every new worker must answer before it takes traffic (after its readiness ping), all
     * within the start timeout: a worker's first real call is then not its first decode. Any answer
     * counts, an error status included (logged at WARN once); a worker that dies meanwhile failed its
     * start; when the start timeout runs out the worker takes traffic anyway. None by default.
     *
     * @throws IllegalArgumentException when a payload cannot be encoded with its codec
     */
    public MoltClientBuilder warmup(List<WarmupCall> calls) {
        Objects.requireNonNull(calls, "calls");
        List<dev.molt.accel.client.internal.WarmupRequest> requests = new ArrayList<>();
        for (WarmupCall c : calls) {
            Objects.requireNonNull(c, "warm-up call");
            byte[] bytes;
            try {
                bytes = c.payload() instanceof byte[] raw ? raw.clone() : dev.molt.accel.protocol.Payloads.encode(c.codec(), c.payload());
            } catch (dev.molt.accel.protocol.PayloadException e) {
                throw new IllegalArgumentException("Warm-up call '" + c.entry() + "': payload cannot be encoded as "
                        + c.codec().id() + ": " + e.getMessage(), e);
            }
            requests.add(new dev.molt.accel.client.internal.WarmupRequest(c.entry(), c.codec(), bytes, c.count()));
        }
        this.warmup = List.copyOf(requests);
        return this;
    }

    /**
     * Whether the bundled Java worker warms itself up before it answers its readiness ping
     * ({@code --warmup}: its exports' sample requests, at most about a second); on by default.
     * Workers started per request never do.
     */
    public MoltClientBuilder workerWarmup(boolean workerWarmup) {
        this.workerWarmup = workerWarmup;
        return this;
    }

    /**
     * Whether Java workers started from this JVM's class path (the bundled one, or {@link #javaWorker})
     * use a class-data sharing archive of their classes: created once per JVM, class path and
     * options by a throw-away worker in the background, in {@code <cache directory>/cds}, and used
     * by every later start ({@code -XX:SharedArchiveFile}). On by default; the system property
     * {@code molt.accel.worker.cds=false} turns the default off. Class paths with directories are
     * never archived. Inside a Spring Boot executable jar, whose nested jars the JVM cannot archive,
     * the jar is first unpacked once (in the background) into {@code <cache directory>/boot}, and
     * workers start from that plain class path as soon as it is there.
     */
    public MoltClientBuilder workerCds(boolean workerCds) {
        this.workerCds = workerCds;
        return this;
    }

    /**
     * Where the class-data archives of {@link #workerCds} are kept; by default the system property
     * {@code molt.accel.cache-dir}, else {@code $XDG_CACHE_HOME/molt-accel}, else
     * {@code ~/.cache/molt-accel}.
     */
    public MoltClientBuilder cacheDirectory(Path cacheDirectory) {
        this.cacheDirectory = Objects.requireNonNull(cacheDirectory, "cacheDirectory");
        return this;
    }

    /** Options of calls that name none. */
    public MoltClientBuilder defaultOptions(CallOptions defaultOptions) {
        this.defaultOptions = Objects.requireNonNull(defaultOptions, "defaultOptions");
        return this;
    }

    /** Observer of worker lifecycle and calls. */
    public MoltClientBuilder listener(MoltClientListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Name used in thread names and logs; {@code molt} by default. */
    public MoltClientBuilder name(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name is blank");
        }
        this.name = name;
        return this;
    }

    /**
     * The SLF4J logger a child worker's stderr lines go to (each line prefixed {@code [worker <pid>] });
     * {@code dev.molt.accel.worker.stderr} by default. The Spring starter uses one per pool.
     */
    public MoltClientBuilder stderrLogger(String loggerName) {
        Objects.requireNonNull(loggerName, "loggerName");
        if (loggerName.isBlank()) {
            throw new IllegalArgumentException("loggerName is blank");
        }
        this.stderrLogger = loggerName;
        return this;
    }

    /**
     * Reads the variables of PROTOCOL.md section 10 from {@code env}: {@code MOLT_WORKER_CMD},
     * {@code MOLT_WORKER_WIRE} / {@code MOLT_WIRE}, {@code MOLT_ACCEL_POOL_SIZE} and the retry
     * variables (into the default options). {@code MOLT_ACCEL_CLIENT_MODE} is read by
     * {@link MoltClients#fromEnvironment()}.
     *
     * @throws IllegalArgumentException naming the variable whose value is invalid
     */
    public MoltClientBuilder environmentDefaults(Map<String, String> env) {
        this.sourceEnvironment = Map.copyOf(env);
        EnvironmentSettings settings = EnvironmentSettings.parse(env);
        if (settings.command() != null) {
            commandLine(settings.command());
        }
        wire(settings.wire());
        poolSize(settings.poolSize());
        defaultOptions(settings.applyTo(defaultOptions.toBuilder()).build());
        return this;
    }

    /** Builds the client; no process starts until {@link MoltClient#start()} or the first call. */
    public MoltClient build() {
        if (!endpoints.isEmpty()) {
            dev.molt.accel.client.internal.EndpointsTransport remote = new dev.molt.accel.client.internal.EndpointsTransport(
                    endpoints, new dev.molt.accel.client.internal.SocketSettings(sslContext, verifyHostname, connectTimeout),
                    connectionsPerEndpoint, discoveryRefresh.toNanos(), restartBackoff.toNanos(), restartBackoffMax.toNanos(),
                    ticker, java.net.InetAddress::getAllByName);
            int slots = remote.slotCount();
            return slots == 1 ? newEngine(remote, 1) : new MoltClientPool(this, remote, slots);
        }
        WorkerLauncher launcher = WorkerLauncher.resolve(this);
        if (maxPoolSize != 0 && maxPoolSize < poolSize) {
            throw new IllegalArgumentException("maxPoolSize (" + maxPoolSize + ") < poolSize (" + poolSize + ")");
        }
        return poolSize == 1 && effectiveMaxPoolSize() == 1 ? newEngine(launcher, 1) : new MoltClientPool(this, launcher);
    }

    int effectiveMaxPoolSize() {
        return maxPoolSize == 0 ? poolSize : maxPoolSize;
    }

    /** An engine over {@code slots} workers with this builder's settings. */
    dev.molt.accel.client.internal.ClientCore newEngine(WorkerLauncher launcher, int slots) {
        dev.molt.accel.client.internal.EngineConfig config = new dev.molt.accel.client.internal.EngineConfig(
                maxFrameBytes, wire, startTimeout, closeTimeout, cancelGrace, probeTimeout, restartBackoff,
                restartBackoffMax, maxRestarts, defaultOptions, listener, name, ticker, callbackExecutor, warmup,
                new dev.molt.accel.client.internal.PoolPolicy(spareWorkers, recycleMaxCalls, recycleMaxAge, recycleMaxRss,
                        recycleJitter, healthInterval, healthTimeout, Math.max(slots, effectiveMaxPoolSize()),
                        scaleUpInFlight, idleTimeout));
        return new dev.molt.accel.client.internal.ClientCore(config,
                transport != null ? transport : new StdioTransport(launcher, stderrLogger), slots);
    }

    /**
     * An engine over {@code slots} connections of {@code t}: the engine of {@link #newEngine(WorkerLauncher, int)}
     * with {@code t} as its transport, so that both are made from the same settings in one place.
     */
    dev.molt.accel.client.internal.ClientCore newEngine(dev.molt.accel.client.internal.Transport t, int slots) {
        dev.molt.accel.client.internal.Transport saved = transport;
        transport = t;
        try {
            return newEngine((WorkerLauncher) null, slots);
        } finally {
            transport = saved;
        }
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " <= 0: " + d);
        }
        return d;
    }
}
