package dev.molt.accel.bench;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The protocol benchmark. In one run it measures:
 * <ul>
 *   <li>the floor: a ping-sized frame (the exact bytes of an encoded {@code __ping__} request)
 *       echoed by a child JVM that decodes nothing ({@link EchoFloor}), driven by one thread that
 *       writes a frame and reads the echo;</li>
 *   <li>the sequential round trip (one call in flight) of {@code __ping__} and of {@code compute}
 *       with 3 values through {@link MoltClient#call}, on both wires;</li>
 *   <li>{@code compute} calls/s at concurrency 1, 8 and 64 on one worker and on a pool of two,
 *       with blocking threads and with {@code callAsync} drivers.</li>
 * </ul>
 * The floor and the sequential cases are measured in interleaved rounds, so that a noisy moment on
 * a shared machine falls on all of them alike; throughput points are repeated in rounds and the
 * median round is reported. Prints a report and writes it as JSON and Markdown.
 *
 * <p>Workers are the bundled Java worker started from this JVM's class path, unless
 * {@code --worker-cmd} names another. {@code --help} lists the options.
 */
public final class ProtocolBench {

    /** Deadline of every benchmark call: generous, so that a GC pause is measured, not failed. */
    static final long CALL_TIMEOUT_MS = 2_000;
    static final String WORKER_MAIN = "dev.molt.accel.worker.MoltWorkerMain";
    static final double PING_OVER_FLOOR_TARGET = 1.5;
    static final double CALLS_PER_SECOND_TARGET = 50_000;

    private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Child JVM flags shared by the floor and the bundled worker, so that both start alike. */
    private static final List<String> CHILD_JVM_FLAGS = List.of("-Xlog:all=warning:stderr", "-Xshare:auto");
    private static final byte[] EMPTY = new byte[0];
    private static final long SPIN_NANOS = 50_000;

    private final Settings settings;
    private final PrintStream out;
    private final Map<String, Object> computeValue = Map.of("values", List.of(1.0, 2.0, 3.0), "scale", 2.0, "offset", 0.5);
    private final byte[] computePayload = Payloads.encode(Codec.MSGPACK, computeValue);

    ProtocolBench(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Settings s;
        try {
            s = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("molt-bench-protocol: " + e.getMessage());
            System.err.print(Settings.USAGE);
            System.exit(2);
            return;
        }
        if (s == null) {
            System.out.print(Settings.USAGE);
            return;
        }
        ProtocolReport report = new ProtocolBench(s, System.out).run();
        if (s.outDir() != null) {
            Path[] files = report.write(s.outDir(), s.quick() ? "-protocol-quick" : "-protocol");
            System.out.println();
            System.out.println("wrote " + files[0] + " and " + files[1]);
        }
    }

    ProtocolReport run() throws Exception {
        ProtocolReport report = new ProtocolReport(settings);
        long t0 = System.nanoTime();
        out.printf(Locale.ROOT, "molt-accel protocol bench (%s): %d CPUs, Java %s, worker: %s%n",
                settings.quick() ? "quick" : "full", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), report.workerDescription());
        try (ForeignLoad load = ForeignLoad.start()) {
            sequentialPhase(report);
            report.foreignSequential = load.foreignPercent();
        }
        try (ForeignLoad load = ForeignLoad.start()) {
            throughputPhase(report);
            report.foreignThroughput = load.foreignPercent();
        }
        out.printf(Locale.ROOT, "other processes used %.1f%% (sequential phase) and %.1f%% (throughput phase) "
                + "of the machine's CPU%n", report.foreignSequential, report.foreignThroughput);
        report.elapsedSeconds = (System.nanoTime() - t0) / 1e9;
        out.println();
        out.print(report.markdown());
        return report;
    }

    // ------------------------------------------------------------------ sequential

    /** One measured operation of the sequential phase. */
    private record Case(Wire wire, String name, Samples samples, Op op) {
    }

    @FunctionalInterface
    private interface Op {
        void run() throws IOException;
    }

    private void sequentialPhase(ProtocolReport report) throws Exception {
        CallOptions ping = options(Codec.RAW, CALL_TIMEOUT_MS);
        CallOptions pingNoTimeout = options(Codec.RAW, 0);
        CallOptions compute = options(Codec.MSGPACK, CALL_TIMEOUT_MS);
        int rounds = settings.seqRounds();
        int perRound = settings.seqSamples() / rounds;
        int total = perRound * rounds;
        try (FrameChild floor = FrameChild.echo();
                FrameChild direct = FrameChild.worker(settings.workerCmd());
                MoltClient mp = client(Wire.MSGPACK, 1);
                MoltClient js = client(Wire.JSON, 1)) {
            mp.start();
            js.start();
            report.floorFrameBytes = FrameChild.PING_FRAME.length;
            List<Case> cases = new ArrayList<>();
            cases.add(new Case(null, ProtocolReport.FLOOR, new Samples(total), floor::roundTrip));
            cases.add(new Case(Wire.MSGPACK, ProtocolReport.PING_DIRECT, new Samples(total), direct::roundTrip));
            for (Wire wire : List.of(Wire.MSGPACK, Wire.JSON)) {
                MoltClient c = wire == Wire.MSGPACK ? mp : js;
                cases.add(new Case(wire, ProtocolReport.PING, new Samples(total), () -> c.call(Entries.PING, EMPTY, ping)));
                if (wire == Wire.MSGPACK) {
                    cases.add(new Case(wire, ProtocolReport.PING_NO_TIMEOUT, new Samples(total),
                            () -> c.call(Entries.PING, EMPTY, pingNoTimeout)));
                    cases.add(new Case(wire, ProtocolReport.PING_SPIN, new Samples(total),
                            () -> spinThenJoin(c.callAsync(Entries.PING, EMPTY, ping))));
                }
                cases.add(new Case(wire, ProtocolReport.COMPUTE, new Samples(total),
                        () -> c.call("compute", computePayload, compute)));
                cases.add(new Case(wire, ProtocolReport.COMPUTE_CODEC, new Samples(total),
                        () -> c.call("compute", computeValue, compute).value()));
            }
            int warmRounds = Math.max(1, settings.seqWarmup() / 1000);
            for (int r = 0; r < warmRounds; r++) {
                for (Case k : cases) {
                    for (int i = 0; i < settings.seqWarmup() / warmRounds; i++) {
                        k.op.run();
                    }
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (Case k : cases) {
                    for (int i = 0; i < perRound; i++) {
                        long s = System.nanoTime();
                        k.op.run();
                        k.samples.add(System.nanoTime() - s);
                    }
                }
            }
            for (Case k : cases) {
                if (k.wire == null) {
                    report.floor = k.samples;
                } else {
                    report.sequential.add(new ProtocolReport.Sequential(k.wire, k.name, k.samples));
                }
            }
        }
        out.printf(Locale.ROOT, "sequential, %d rounds x %d calls, interleaved:%n", rounds, perRound);
        out.printf(Locale.ROOT, "  %-8s %-68s median %s, p99 %s%n", "-", "floor (echo child, " + report.floorFrameBytes
                + "-byte frame)", us(report.floor.median()), us(report.floor.percentile(99)));
        for (ProtocolReport.Sequential s : report.sequential) {
            out.printf(Locale.ROOT, "  %-8s %-68s median %s, p99 %s (%.2fx floor)%n", s.wire().id(),
                    ProtocolReport.describe(s.name()), us(s.samples().median()), us(s.samples().percentile(99)),
                    (double) s.samples().median() / report.floor.median());
        }
    }

    /**
     * Waits for a call as a spin-then-park {@code call()} would: busy-waits up to
     * {@value #SPIN_NANOS} ns before blocking. A diagnostic of what the reader-to-caller
     * hand-off costs when the caller is parked.
     */
    private static void spinThenJoin(CompletableFuture<MoltResult> f) {
        long end = System.nanoTime() + SPIN_NANOS;
        while (!f.isDone() && System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
        f.join();
    }

    // ------------------------------------------------------------------ throughput

    private void throughputPhase(ProtocolReport report) throws InterruptedException {
        int top = settings.concurrencies().get(settings.concurrencies().size() - 1);
        for (int pool : settings.poolSizes()) {
            try (MoltClient client = client(Wire.MSGPACK, pool)) {
                client.start();
                // a new worker JVM: one longer warm-up through every driver, then a short one per point
                for (String driver : settings.drivers()) {
                    run(client, driver, top, settings.clientWarmup().dividedBy(settings.drivers().size()), Duration.ZERO);
                }
                Map<String, Point> points = new LinkedHashMap<>();
                for (int c : settings.concurrencies()) {
                    for (String driver : settings.drivers()) {
                        points.put(driver + c, new Point(pool, c, driver));
                    }
                }
                for (int r = 0; r < settings.rounds(); r++) {
                    for (Point p : points.values()) {
                        Load load = run(client, p.driver, p.concurrency, settings.pointWarmup(), settings.measure());
                        p.add(load);
                    }
                }
                for (Point p : points.values()) {
                    ProtocolReport.Throughput t = p.result();
                    report.throughput.add(t);
                    out.printf(Locale.ROOT, "compute, %d worker%s, concurrency %2d, %-7s: %,9.0f calls/s (rounds %s), "
                                    + "p50 %s, p99 %s%s%n", pool, pool == 1 ? " " : "s", p.concurrency, p.driver,
                            t.callsPerSecond(), t.roundsText(), us(t.p50()), us(t.p99()),
                            t.errors().isEmpty() ? "" : ", errors " + t.errors());
                }
            }
        }
    }

    /** The rounds of one throughput point. */
    private static final class Point {
        final int workers;
        final int concurrency;
        final String driver;
        final List<Double> rates = new ArrayList<>();
        final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
        final Map<String, Long> errors = new TreeMap<>();
        long calls;

        Point(int workers, int concurrency, String driver) {
            this.workers = workers;
            this.concurrency = concurrency;
            this.driver = driver;
        }

        void add(Load load) {
            rates.add(load.rate);
            latency.add(load.histogram);
            calls += load.calls;
            load.errors().forEach((k, v) -> errors.merge(k, v, Long::sum));
        }

        ProtocolReport.Throughput result() {
            List<Double> sorted = new ArrayList<>(rates);
            sorted.sort(null);
            double median = sorted.get((sorted.size() - 1) / 2);
            if (sorted.size() % 2 == 0) {
                median = (median + sorted.get(sorted.size() / 2)) / 2;
            }
            return new ProtocolReport.Throughput(workers, concurrency, driver, median, List.copyOf(rates),
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), calls, Map.copyOf(errors));
        }
    }

    private Load run(MoltClient client, String driver, int concurrency, Duration warmup, Duration measure)
            throws InterruptedException {
        Load load = driver.equals("async") ? new AsyncLoad(client, concurrency) : new ThreadLoad(client, concurrency);
        load.start();
        if (!warmup.isZero()) {
            TimeUnit.NANOSECONDS.sleep(warmup.toNanos());
        }
        load.recorder.reset();
        load.completed.reset();
        load.measuring = true;
        long s = System.nanoTime();
        if (!measure.isZero()) {
            TimeUnit.NANOSECONDS.sleep(measure.toNanos());
        }
        load.measuring = false;
        long done = load.completed.sum();
        long elapsed = System.nanoTime() - s;
        load.histogram = load.recorder.getIntervalHistogram();
        load.stop();
        load.calls = done;
        load.rate = done * 1e9 / Math.max(1, elapsed);
        return load;
    }

    /** A closed loop of {@code compute} calls, measured while {@code measuring} is set. */
    private abstract class Load {
        final MoltClient client;
        final int concurrency;
        final CallOptions options = options(Codec.MSGPACK, CALL_TIMEOUT_MS);
        final Recorder recorder = new Recorder(MAX_LATENCY_NANOS, 3);
        final LongAdder completed = new LongAdder();
        final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean measuring;
        volatile boolean stopping;
        Histogram histogram;
        long calls;
        double rate;

        Load(MoltClient client, int concurrency) {
            this.client = client;
            this.concurrency = concurrency;
        }

        abstract int driverThreads();

        abstract void drive(int index);

        void start() {
            for (int i = 0; i < driverThreads(); i++) {
                int index = i;
                Thread t = new Thread(() -> drive(index), "bench-driver-" + i);
                t.setDaemon(true);
                threads.add(t);
            }
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            stopping = true;
            for (Thread t : threads) {
                t.join();
            }
        }

        void done(long startNanos, Throwable failure) {
            if (failure != null) {
                Throwable cause = failure.getCause() != null && !(failure instanceof MoltAccelException)
                        ? failure.getCause() : failure;
                String code = cause instanceof MoltAccelException m ? m.errorCode() : cause.getClass().getSimpleName();
                errors.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
                return;
            }
            if (measuring) {
                recorder.recordValue(Math.min(System.nanoTime() - startNanos, MAX_LATENCY_NANOS));
                completed.increment();
            }
        }

        Map<String, Long> errors() {
            Map<String, Long> m = new TreeMap<>();
            errors.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }
    }

    /** One thread per unit of concurrency, each calling {@code call()} back to back (a blocking web server). */
    private final class ThreadLoad extends Load {
        ThreadLoad(MoltClient client, int concurrency) {
            super(client, concurrency);
        }

        @Override
        int driverThreads() {
            return concurrency;
        }

        @Override
        void drive(int index) {
            while (!stopping) {
                long s = System.nanoTime();
                try {
                    client.call("compute", computePayload, options);
                    done(s, null);
                } catch (MoltAccelException e) {
                    done(s, e);
                }
            }
        }
    }

    /**
     * One driver thread per CPU at most, each keeping its share of the concurrency in flight with
     * {@code callAsync()} (an asynchronous server). Completions run on the client's callback threads.
     */
    private final class AsyncLoad extends Load {
        private final int drivers;

        AsyncLoad(MoltClient client, int concurrency) {
            super(client, concurrency);
            this.drivers = Math.max(1, Math.min(concurrency, Runtime.getRuntime().availableProcessors()));
        }

        @Override
        int driverThreads() {
            return drivers;
        }

        @Override
        void drive(int index) {
            int share = concurrency / drivers + (index < concurrency % drivers ? 1 : 0);
            Semaphore window = new Semaphore(share);
            try {
                while (!stopping) {
                    window.acquire();
                    long s = System.nanoTime();
                    client.callAsync("compute", computePayload, options).whenComplete((r, e) -> {
                        done(s, e);
                        window.release();
                    });
                }
                window.acquire(share);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ processes

    private MoltClient client(Wire wire, int poolSize) {
        MoltClientBuilder b = MoltClient.builder().name("bench").wire(wire).poolSize(poolSize)
                .startTimeout(Duration.ofSeconds(60));
        if (settings.workerCmd() != null) {
            b.command(settings.workerCmd());
        } else {
            b.javaWorker(WORKER_MAIN, "--stdio");
        }
        return b.build();
    }

    private static CallOptions options(Codec codec, long timeoutMs) {
        return CallOptions.builder().codec(codec).timeoutMs(timeoutMs).build();
    }

    /**
     * A child process driven by one thread, frame by frame: write the frame, flush, read one frame
     * back. Used for the floor ({@link EchoFloor}) and for a worker driven without a client.
     */
    private static final class FrameChild implements AutoCloseable {
        static final byte[] PING_FRAME = Envelopes.encodeRequestFrame(Wire.MSGPACK,
                RequestEnvelope.ping(1, CALL_TIMEOUT_MS), Frames.DEFAULT_MAX_FRAME_BYTES);
        private final Process process;
        private final OutputStream os;
        private final InputStream is;

        private FrameChild(Process process) {
            this.process = process;
            this.os = new BufferedOutputStream(process.getOutputStream(), 64 * 1024);
            this.is = new BufferedInputStream(process.getInputStream(), 64 * 1024);
        }

        static FrameChild echo() throws IOException {
            return start(javaCommand(EchoFloor.class.getName()), ProcessBuilder.Redirect.INHERIT);
        }

        static FrameChild worker(List<String> workerCmd) throws IOException {
            List<String> cmd = workerCmd != null ? workerCmd : javaCommand(WORKER_MAIN, "--stdio");
            FrameChild child = start(cmd, ProcessBuilder.Redirect.DISCARD);
            boolean ok = false;
            try {
                ok = Envelopes.decodeResponse(child.roundTrip()).status() == Status.OK;
            } finally {
                if (!ok) {
                    child.process.destroyForcibly();
                }
            }
            return child;
        }

        private static FrameChild start(List<String> cmd, ProcessBuilder.Redirect stderr) throws IOException {
            return new FrameChild(new ProcessBuilder(cmd).redirectError(stderr).start());
        }

        private static List<String> javaCommand(String mainClass, String... args) {
            List<String> cmd = new ArrayList<>();
            cmd.add(javaExecutable());
            cmd.addAll(CHILD_JVM_FLAGS);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(mainClass);
            cmd.addAll(List.of(args));
            return cmd;
        }

        /** One round trip of the ping frame; returns the body that came back. */
        byte[] roundTrip() throws IOException {
            os.write(PING_FRAME);
            os.flush();
            byte[] body = Frames.read(is, Frames.DEFAULT_MAX_FRAME_BYTES);
            if (body == null) {
                throw new IOException("child " + process.pid() + " closed its stdout");
            }
            return body;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            try {
                os.close();
                is.close();
            } finally {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static String us(long nanos) {
        return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    // ------------------------------------------------------------------ settings

    /** Command-line settings; {@code --quick} shrinks every phase so that the run takes about 30 s. */
    record Settings(boolean quick, int seqWarmup, int seqSamples, int seqRounds, Duration clientWarmup,
            Duration pointWarmup, Duration measure, int rounds, List<Integer> concurrencies, List<Integer> poolSizes,
            List<String> drivers, Path outDir, List<String> workerCmd, String commandLine) {

        static final String USAGE = String.join(System.lineSeparator(),
                "Usage: molt-bench-protocol [--quick] [--out DIR | --no-write] [--driver threads|async|both]",
                "                           [--measure SECONDS] [--rounds N] [--worker-cmd CMD]",
                "",
                "  --quick            short phases (about 30 s in all) instead of the full run (about 3 min)",
                "  --out DIR          where to write <date>-protocol.json and .md (default: bench/results;",
                "                     --quick writes <date>-protocol-quick.*)",
                "  --no-write         print only",
                "  --driver D         throughput drivers: threads (one thread per unit of concurrency",
                "                     calling call()), async (one driver per CPU keeping its share in",
                "                     flight with callAsync()), or both (default)",
                "  --measure SECONDS  measuring time of each throughput round (default 3, quick 1)",
                "  --rounds N         rounds of each throughput point; the median is reported (default 3, quick 1)",
                "  --worker-cmd CMD   worker command line (default: the bundled Java worker)",
                "");

        /** The settings, or {@code null} when help was asked for. */
        static Settings parse(String[] args) {
            boolean quick = false;
            Path out = defaultResultsDir();
            boolean write = true;
            List<String> drivers = List.of("threads", "async");
            Double measure = null;
            Integer rounds = null;
            List<String> worker = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> {
                        return null;
                    }
                    case "--quick" -> quick = true;
                    case "--no-write" -> write = false;
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--driver" -> {
                        String d = value(args, ++i, a);
                        drivers = switch (d) {
                            case "threads", "async" -> List.of(d);
                            case "both" -> List.of("threads", "async");
                            default -> throw new IllegalArgumentException(
                                    "--driver must be threads, async or both, got '" + d + "'");
                        };
                    }
                    case "--measure" -> {
                        String v = value(args, ++i, a);
                        try {
                            measure = Double.parseDouble(v);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--measure needs a number of seconds, got '" + v + "'");
                        }
                        if (!(measure > 0)) {
                            throw new IllegalArgumentException("--measure must be positive");
                        }
                    }
                    case "--rounds" -> {
                        String v = value(args, ++i, a);
                        try {
                            rounds = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--rounds needs an integer, got '" + v + "'");
                        }
                        if (rounds < 1) {
                            throw new IllegalArgumentException("--rounds must be at least 1");
                        }
                    }
                    case "--worker-cmd" -> worker = List.of(value(args, ++i, a).trim().split("\\s+"));
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            String cmd = "bin/molt-bench-protocol" + (args.length == 0 ? "" : " " + String.join(" ", args));
            Duration m = measure == null ? Duration.ofSeconds(quick ? 1 : 3) : Duration.ofMillis((long) (measure * 1000));
            return new Settings(quick,
                    quick ? 3_000 : 10_000, quick ? 10_000 : 50_000, quick ? 20 : 50,
                    Duration.ofSeconds(quick ? 2 : 4), Duration.ofMillis(quick ? 250 : 500), m,
                    rounds != null ? rounds : quick ? 1 : 3,
                    List.of(1, 8, 64), List.of(1, 2), drivers, write ? out : null, worker, cmd);
        }

        /** {@code -Dmolt.bench.results} (set by the launcher), else bench/results below the working directory. */
        private static Path defaultResultsDir() {
            String configured = System.getProperty("molt.bench.results");
            if (configured != null && !configured.isBlank()) {
                return Path.of(configured);
            }
            return Files.isDirectory(Path.of("bench")) ? Path.of("bench", "results") : Path.of("results");
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }
    }
}
