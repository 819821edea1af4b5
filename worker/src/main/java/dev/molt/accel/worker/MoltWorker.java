package dev.molt.accel.worker;

import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.protocol.Frames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collections;
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
 * <p>Entries served: every entry of the manifest (if one was given) plus every registered export.
 * The manifest decides the codecs of the entries it lists; an entry it lists without an
 * implementation answers {@code InternalError}.
 *
 * <p>Immutable and thread-safe once built; it holds no threads or streams itself. Each
 * {@link #serve} call creates its own reader, worker pool and timer threads and stops them before it
 * returns; several calls may run at once on different streams.
 */
public final class MoltWorker {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());

    /** Default bound of the request queue (PROTOCOL.md section 9). */
    public static final int DEFAULT_MAX_QUEUE = 64;

    /** Default time {@link #serve} waits for accepted requests after the input ended. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    private final int threads;
    private final int maxQueue;
    private final int maxFrameBytes;
    private final Duration drainTimeout;
    private final Map<String, Route> routes;

    private MoltWorker(Builder b) {
        this.threads = b.threads;
        this.maxQueue = b.maxQueue;
        this.maxFrameBytes = b.maxFrameBytes;
        this.drainTimeout = b.drainTimeout;
        this.routes = buildRoutes(b.manifest, b.exports);
    }

    private static Map<String, Route> buildRoutes(ExportsManifest manifest, Map<String, Export> exports) {
        Map<String, Route> routes = new LinkedHashMap<>();
        if (manifest != null) {
            for (ExportsManifest.Export m : manifest.exports()) {
                Export impl = exports.get(m.name());
                if (impl != null && ((impl.codecIn() != null && impl.codecIn() != m.codecIn())
                        || (impl.codecOut() != null && impl.codecOut() != m.codecOut()))) {
                    LOG.log(Level.WARNING, "Export ''{0}'' is declared {1} but the manifest says {2} -> {3}; "
                            + "serving the manifest''s codecs", m.name(), impl, m.codecIn(), m.codecOut());
                }
                routes.put(m.name(), new Route(m.name(), m.codecIn(), m.codecOut(), impl));
            }
        }
        for (Export e : exports.values()) {
            routes.putIfAbsent(e.name(), new Route(e.name(), e.codecIn(), e.codecOut(), e));
        }
        return Collections.unmodifiableMap(routes);
    }

    /** A builder with the defaults: one thread per processor, a queue of 64, no exports. */
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
        new StdioSession(this, in, out).run();
    }

    /** Worker threads per {@link #serve} call. */
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
     * Runs a worker process on stdin/stdout: the body of a {@code main} method. Standard output is
     * reserved for frames before anything else happens ({@code System.out} then prints to standard
     * error), the command line ({@code [--stdio] [--exports PATH] [--threads N] [--max-queue N]
     * [-h] [-V]}) and the environment ({@code MOLT_WORKER_THREADS}, {@code MOLT_WORKER_MAX_QUEUE})
     * are read, and the worker serves until stdin ends.
     *
     * @param customizer registers exports and sets defaults; the environment and then the command
     *     line override what it sets; may be {@code null}
     * @return the process exit code: 0 after a normal end, 2 for bad arguments, 1 when the worker
     *     could not start
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
        private final Map<String, Export> exports = new LinkedHashMap<>();

        private Builder() {
        }

        /** Worker threads running exports; default: available processors. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Requests that may wait for a free worker thread; when that many wait, new requests are
         * answered {@code Busy} at once. 0 means no waiting at all. Default 64.
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
         * How long {@link MoltWorker#serve} waits, after its input ended, for accepted requests that
         * have no deadline of their own; those still running then are answered
         * {@code InternalError}. Default 30 s.
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
         * The exports manifest to serve (for example {@link ExportsManifest#defaults()} or
         * {@link ExportsManifest#load}); registered exports are added to its entries. {@code null}
         * (the default) serves the registered exports only.
         */
        public Builder manifest(ExportsManifest manifest) {
            this.manifest = manifest;
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

        /** An immutable worker with this configuration. */
        public MoltWorker build() {
            return new MoltWorker(this);
        }
    }
}
