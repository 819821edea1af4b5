package dev.molt.accel.worker;

import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.protocol.Frames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
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
 * <p>Immutable and thread-safe once built; it holds no threads or streams itself. Each
 * {@link #serve} call creates its own reader, worker pool and timer threads and stops them before it
 * returns; several calls may run at once on different streams.
 */
public final class MoltWorker {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());

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
        this.routes = buildRoutes(b.manifest, b.exports, b.manifestIsPromise);
    }

    private static Map<String, Route> buildRoutes(ExportsManifest manifest, Map<String, Export> exports,
            boolean manifestIsPromise) {
        Map<String, Route> routes = new LinkedHashMap<>();
        if (manifest != null) {
            List<String> missing = new ArrayList<>();
            for (ExportsManifest.Export m : manifest.exports()) {
                if (!exports.containsKey(m.name())) {
                    missing.add(m.name());
                }
            }
            if (!missing.isEmpty()) {
                if (manifestIsPromise) {
                    throw new IllegalArgumentException(unimplemented(missing));
                }
                LOG.log(Level.INFO, "Not serving what has no implementation: " + unimplemented(missing));
            }
            for (ExportsManifest.Export m : manifest.exports()) {
                Export impl = exports.get(m.name());
                if (impl == null) {
                    continue;
                }
                if ((impl.codecIn() != null && impl.codecIn() != m.codecIn())
                        || (impl.codecOut() != null && impl.codecOut() != m.codecOut())) {
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

    /** One line naming the entries (escaped and cut: the names come from a file). */
    private static String unimplemented(List<String> missing) {
        StringBuilder sb = new StringBuilder("the exports manifest lists ")
                .append(missing.size() == 1 ? "an entry" : missing.size() + " entries")
                .append(" this worker does not implement: ");
        int shown = Math.min(missing.size(), 10);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(printable(missing.get(i), 64));
        }
        if (missing.size() > shown) {
            sb.append(" and ").append(missing.size() - shown).append(" more");
        }
        return sb.toString();
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
        private boolean manifestIsPromise;
        private final Map<String, Export> exports = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Worker threads running exports; default: available processors, since exports are meant
         * to be CPU work (more threads than cores only adds switching; exports that mostly wait on
         * I/O may want more).
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
