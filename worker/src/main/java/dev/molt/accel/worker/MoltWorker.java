package dev.molt.accel.worker;

import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.ServedExports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The Java worker runtime: serves the Molt worker protocol (PROTOCOL.md) for a set of exports on a
 * pair of streams, normally the process's stdin and stdout.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     MoltWorker.runAndExit(args, b -> b.export(
 *             Export.of("greet", Codec.MSGPACK, Codec.JSON, Greeting.class, (req, ctx) -> Map.of("hello", req.name()))));
 * }
 * }</pre>
 *
 * <p>Entries served: the registered exports, nothing else. A manifest (if one was given) decides
 * the codecs of the entries it lists. An entry it lists without a registered export is not served
 * (requests for it are answered {@code InvalidInput}, unknown entry) and is logged at start; a
 * manifest given on the command line ({@code --exports PATH}) is a promise to the client instead,
 * and {@link #run} refuses to start when it lists an entry that is not implemented.
 *
 * <p>Besides stdio it serves sockets: {@link Builder#listen} names Unix, TCP and TLS addresses and
 * {@link #start()} returns the running {@link MoltWorkerServer}; {@link #run} does both from the
 * command line ({@code --listen}).
 *
 * <p>Immutable and thread-safe once built; it holds no threads or streams itself. Each
 * {@link #serve} call creates its own reader, worker pool and timer threads and stops them before it
 * returns; several calls may run at once on different streams. Each {@link #start()} creates a
 * server that owns its sockets and threads until it is shut down.
 */
public final class MoltWorker {

    /**
     * Default bound of the request queue: 1024. A worker sits behind a web tier whose concurrency is
     * its connection count (Tomcat: 200 threads, and asynchronous offloaded requests release them;
     * WebFlux: no thread limit at all), so the queue should absorb that concurrency instead of
     * answering {@code Busy} to a burst the web tier itself accepted: with a queue of 64 and 2
     * threads, 200 connections got 47 % 429 answers. Waiting is still bounded by each request's
     * deadline (it is answered {@code Timeout} in the queue) and the queue by this count; a queued
     * request costs its payload plus well under a kilobyte.
     */
    public static final int DEFAULT_MAX_QUEUE = 1024;

    /**
     * Default time the worker waits for accepted requests after its input ended or its server was
     * asked to stop (SIGTERM): 25 s, inside Kubernetes' default termination grace period of 30 s.
     */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(25);

    private final int threads;
    private final int maxQueue;
    private final int maxFrameBytes;
    private final Duration drainTimeout;
    private final Map<String, Route> routes;
    private final SocketOptions socketOptions;
    private final RequestLog requestLog;
    private final byte[] exportsJson;

    private MoltWorker(Builder b) {
        this.requestLog = b.requestLog;
        this.threads = b.threads;
        this.maxQueue = b.maxQueue;
        this.maxFrameBytes = b.maxFrameBytes;
        this.drainTimeout = b.drainTimeout;
        this.routes = Routes.build(b.manifest, b.exports, b.manifestIsPromise);
        this.socketOptions = b.socketOptions();
        this.exportsJson = served(routes).toJson();
    }

    /** The served entries as {@code __exports__} answers them: the codecs callers must use. */
    private static ServedExports served(Map<String, Route> routes) {
        List<ServedExports.Entry> entries = new ArrayList<>(routes.size());
        for (Route r : routes.values()) {
            entries.add(new ServedExports.Entry(r.name(), r.codecIn(), r.codecIn() == null ? null : r.responseCodec(r.codecIn())));
        }
        return new ServedExports("0.1", entries);
    }

    /** What this worker serves, as {@code __exports__} answers it. */
    public ServedExports exports() {
        return ServedExports.parse(exportsJson);
    }

    /** The JSON answer of {@code __exports__}, built once; callers must not change it. */
    byte[] exportsJson() {
        return exportsJson;
    }

    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(s.length(), max);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return s.length() > max ? sb.append("...").toString() : sb.toString();
    }

    /** A builder with the defaults: one thread per processor, a queue of {@value #DEFAULT_MAX_QUEUE}, no exports. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Serves requests read from {@code in} and writes responses to {@code out} until {@code in}
     * ends (or breaks the framing), then waits for the requests already accepted (each bounded by
     * its deadline, all together by the drain timeout), writes their responses, flushes and
     * returns. Returns early when {@code out} fails (the client is gone) or the calling thread is
     * interrupted (the interrupt flag is then set again).
     *
     * <p>Never throws for anything the peer sends. Neither stream is closed: the caller owns both.
     * If {@code serve} returns early, its reader thread (a daemon) may stay blocked on {@code in}
     * until the caller closes it.
     */
    public void serve(InputStream in, OutputStream out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Engine engine = new Engine(this);
        try {
            new Session(this, engine, in, out, 0, false, null).serveUntilEnd();
        } finally {
            engine.shutdownNow();
        }
    }

    /**
     * Listens on the builder's {@link Builder#listen addresses} and serves every connection until
     * the returned server is shut down.
     *
     * @throws IllegalStateException when no address was given
     * @throws IllegalArgumentException when plaintext TCP would listen on a non-loopback address
     *     without {@link Builder#allowPlaintext}, or the TLS files are unusable (the message says which)
     * @throws IOException when an address cannot be bound (in use, a live worker on the Unix socket,
     *     a path that is not a socket)
     */
    public MoltWorkerServer start() throws IOException {
        return MoltWorkerServer.start(this);
    }

    SocketOptions socketOptions() {
        return socketOptions;
    }

    /** Worker threads per {@link #serve} call. */
    /** The request log, or {@code null} when off. */
    RequestLog requestLog() {
        return requestLog;
    }

    public int threads() {
        return threads;
    }

    /** Requests that may wait for a worker thread before new ones are answered {@code Busy}. */
    public int maxQueue() {
        return maxQueue;
    }

    /** Largest frame body read or written. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** How long {@link #serve} waits for accepted requests after the input ended. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** The entry names served: manifest entries in manifest order, then the other registered exports. */
    public Set<String> entries() {
        return routes.keySet();
    }

    Map<String, Route> routes() {
        return routes;
    }

    /**
     * Runs the sample of every export that declares one ({@link Export#withSample}) through
     * decode, handler and encode, up to 50 rounds and at most one second in all, on the calling
     * thread; {@code --warmup} does this before the worker reads its first request. A failing
     * sample stops its own warm-up with one WARNING line; nothing is thrown.
     *
     * @return how many sample calls completed
     */
    public int warmUp() {
        return Warmup.run(routes, Warmup.MAX_ROUNDS, Warmup.BUDGET_NANOS);
    }

    /**
     * Runs a worker process: the body of a {@code main} method. Standard output is reserved for
     * frames before anything else happens ({@code System.out} then prints to standard error), the
     * command line ({@code molt-worker --help}: {@code --stdio}, {@code --listen ADDRESS}, TLS and
     * connection limits, {@code --probe ADDRESS}, {@code --exports}, {@code --threads},
     * {@code --max-queue}, ...) and the environment ({@code MOLT_WORKER_*}) are read, and the worker
     * serves stdio until stdin ends, or its sockets until SIGTERM (then drains and exits 0).
     *
     * @param customizer registers exports and sets defaults; the environment and then the command
     *     line override what it sets; may be {@code null}
     * @return the process exit code: 0 after a normal end, 2 for bad arguments (including plaintext
     *     TCP on a non-loopback address without {@code --allow-plaintext}), 1 when the worker could
     *     not start (an address in use, a live worker on the Unix socket); {@code --probe}: 0 when
     *     the worker answered, 1 when not
     */
    public static int run(String[] args, Consumer<Builder> customizer) {
        return MoltWorkerMain.run(args, customizer);
    }

    /** {@link #run} followed by {@link System#exit} with its exit code. */
    public static void runAndExit(String[] args, Consumer<Builder> customizer) {
        int code = run(args, customizer);
        System.exit(code);
    }

    /** This runtime's version, for example {@code 0.1.0}. */
    public static String version() {
        return Version.VALUE;
    }

    private static final class Version {
        static final String VALUE = load();

        private static String load() {
            try (InputStream in = MoltWorker.class.getResourceAsStream("worker.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    String v = p.getProperty("version", "");
                    if (!v.isEmpty() && !v.startsWith("$")) {
                        return v;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "dev";
        }
    }

    /**
     * Configures a {@link MoltWorker}. Each value is checked when set. Not thread-safe; use it from
     * one thread, then {@link #build()}.
     */
    public static final class Builder {

        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int maxQueue = DEFAULT_MAX_QUEUE;
        private int maxFrameBytes = Frames.DEFAULT_MAX_FRAME_BYTES;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private ExportsManifest manifest;
        private boolean manifestIsPromise;
        private final Map<String, Export> exports = new LinkedHashMap<>();
        private final List<ListenAddress> listen = new ArrayList<>();
        private Path tlsCert;
        private Path tlsKey;
        private Path tlsClientCa;
        private boolean allowPlaintext;
        private Set<PosixFilePermission> socketMode = SocketOptions.parseMode(SocketOptions.DEFAULT_SOCKET_MODE);
        private int maxConnections = SocketOptions.DEFAULT_MAX_CONNECTIONS;
        private int maxInFlightPerConnection = SocketOptions.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION;
        private Duration idleTimeout = SocketOptions.DEFAULT_IDLE_TIMEOUT;
        private RequestLog requestLog;

        private Builder() {
        }

        /**
         * Writes one JSON line per answered request to {@code out} (normally {@code System.err}):
         * request id, entry, status, queue and exec time in microseconds, and the W3C trace id and
         * parent id of the request's {@code traceparent} header; {@code null} turns it off (the
         * default). What {@code --request-log json} and {@code MOLT_WORKER_REQUEST_LOG=json} set.
         */
        public Builder requestLog(java.io.PrintStream out) {
            this.requestLog = out == null ? null : new RequestLog(out);
            return this;
        }

        /**
         * Adds addresses for {@link MoltWorker#start()} to listen on: {@code unix:/path/to.sock},
         * {@code tcp://host:port}, {@code tls://host:port} (port 0: any free port). Plaintext TCP is
         * refused on addresses other than loopback unless {@link #allowPlaintext}; {@code tls://}
         * needs {@link #tls}.
         *
         * @throws IllegalArgumentException naming a malformed address
         */
        public Builder listen(String... addresses) {
            Objects.requireNonNull(addresses, "addresses");
            for (String a : addresses) {
                listen.add(ListenAddress.parse(a));
            }
            return this;
        }

        /** Forgets the addresses given so far (the command line replaces the environment's). */
        Builder clearListen() {
            listen.clear();
            return this;
        }

        /**
         * The server certificate chain and its private key for {@code tls://} addresses, as PEM
         * files: certificates, then an unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}; an RSA
         * {@code BEGIN RSA PRIVATE KEY} is accepted too). Read when the server starts.
         */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) {
            this.tlsCert = Objects.requireNonNull(certificateChainPem, "certificateChainPem");
            this.tlsKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /**
         * Requires every TLS client to present a certificate that chains to a CA in this PEM file
         * (mutual TLS); a client without one fails the handshake and never reaches the protocol.
         * {@code null} (the default): no client certificate asked for.
         */
        public Builder tlsClientCa(Path caPem) {
            this.tlsClientCa = caPem;
            return this;
        }

        /**
         * Whether {@code tcp://} may listen on an address other than loopback (default false): only
         * where something else encrypts and authenticates, such as a service mesh with mTLS.
         */
        public Builder allowPlaintext(boolean allowPlaintext) {
            this.allowPlaintext = allowPlaintext;
            return this;
        }

        /** Permissions of a Unix socket file, octal; default {@code 0600} (only this user may connect). */
        public Builder socketMode(String octalMode) {
            this.socketMode = SocketOptions.parseMode(octalMode);
            return this;
        }

        /** Connections served at once; one more is closed as soon as it is accepted. Default 256. */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * Requests one connection may have accepted (queued or running) at once; more are answered
         * {@code Busy}, so one client cannot take the whole queue. 0 = no cap of its own. Default 1024.
         */
        public Builder maxInFlightPerConnection(int maxInFlight) {
            if (maxInFlight < 0) {
                throw new IllegalArgumentException("maxInFlightPerConnection must be >= 0, got " + maxInFlight);
            }
            this.maxInFlightPerConnection = maxInFlight;
            return this;
        }

        /** A connection with nothing in flight that sends nothing for this long is closed; zero = never. Default 5 min. */
        public Builder idleTimeout(Duration idleTimeout) {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative, got " + idleTimeout);
            }
            this.idleTimeout = idleTimeout;
            return this;
        }

        SocketOptions socketOptions() {
            return new SocketOptions(listen, tlsCert, tlsKey, tlsClientCa, allowPlaintext, socketMode, maxConnections,
                    maxInFlightPerConnection, idleTimeout);
        }

        /**
         * Worker threads running exports; default: available processors, since exports are meant
         * to be CPU work (more threads than cores only adds switching; exports that mostly wait on
         * I/O may want more).
         *
         * <p>This is a strict bound on the handlers that run at once, whichever thread runs them: a
         * request that arrives while nothing else is queued or running anywhere in the worker runs
         * on the thread of its session that read it (another thread of the session reads on
         * meanwhile), which saves the wake-up of a pool thread; it takes one of these {@code threads}
         * slots like any other call, and a pool thread that would exceed the bound waits for a slot.
         * Together with {@link #maxQueue}, {@code threads + maxQueue} requests are accepted at once.
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Requests that may wait for a free worker thread; when that many wait, new requests are
         * answered {@code Busy} at once. 0 means no waiting at all. Default
         * {@value MoltWorker#DEFAULT_MAX_QUEUE}, see there for why.
         */
        public Builder maxQueue(int maxQueue) {
            if (maxQueue < 0) {
                throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
            }
            this.maxQueue = maxQueue;
            return this;
        }

        /** Largest frame body accepted or produced; default 64 MiB. A longer frame ends the input. */
        public Builder maxFrameBytes(int maxFrameBytes) {
            if (maxFrameBytes < 1) {
                throw new IllegalArgumentException("maxFrameBytes must be >= 1, got " + maxFrameBytes);
            }
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /**
         * How long {@link MoltWorker#serve} waits, after its input ended, and a server, after it was
         * asked to stop, for accepted requests; those still running then are answered
         * {@code InternalError}. Default 25 s (Kubernetes waits 30 s before SIGKILL).
         */
        public Builder drainTimeout(Duration drainTimeout) {
            Objects.requireNonNull(drainTimeout, "drainTimeout");
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, got " + drainTimeout);
            }
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * An exports manifest (for example from {@link ExportsManifest#load}) that sets the codecs of
         * the entries it lists; registered exports it does not list are served with their own
         * codecs, and entries it lists without a registered export are not served at all.
         * {@code null} (the default) serves the registered exports with their own codecs.
         */
        public Builder manifest(ExportsManifest manifest) {
            this.manifest = manifest;
            this.manifestIsPromise = false;
            return this;
        }

        /** The manifest of {@code --exports}: {@link #build()} fails when it lists an unimplemented entry. */
        Builder promisedManifest(ExportsManifest manifest) {
            this.manifest = manifest;
            this.manifestIsPromise = true;
            return this;
        }

        /**
         * Registers an export.
         *
         * @throws IllegalArgumentException when an export of that name is already registered
         */
        public Builder export(Export export) {
            Objects.requireNonNull(export, "export");
            if (exports.putIfAbsent(export.name(), export) != null) {
                throw new IllegalArgumentException("Export '" + export.name() + "' is already registered");
            }
            return this;
        }

        /** Registers several exports, see {@link #export(Export)}. */
        public Builder exports(Iterable<Export> exports) {
            Objects.requireNonNull(exports, "exports");
            for (Export e : exports) {
                export(e);
            }
            return this;
        }

        /**
         * An immutable worker with this configuration.
         *
         * @throws IllegalArgumentException when the manifest of {@code --exports} lists entries
         *     without a registered export, naming them in one line
         */
        public MoltWorker build() {
            return new MoltWorker(this);
        }
    }
}
