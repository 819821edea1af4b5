package dev.molt.accel.test.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.worker.Export;
import dev.molt.accel.worker.MoltContext;
import dev.molt.accel.worker.MoltWorker;
import dev.molt.accel.worker.RequestCancelledException;
import dev.molt.accel.worker.demo.DemoExports;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A scriptable worker for tests, in the spirit of MockWebServer: the default manifest with the demo
 * exports plus control entries that answer, wait, fail or misbehave on request, chosen by the call
 * itself (no set-up). Launch it as a process with {@link #command(String...)}
 * ({@code java -cp <test class path> dev.molt.accel.test.worker.TestWorker --stdio}), give that
 * command to a client or to {@code molt.accel.worker.command}, or register {@link #exports()} with
 * an in-process {@link MoltWorker} (see {@code MoltInProcessWorker} of {@code molt-accel-test}).
 *
 * <p>Entries (msgpack in and out unless stated):
 * <ul>
 *   <li>{@code echo} (any codec): answers the payload bytes in the request's codec.</li>
 *   <li>{@code reply} {@code {"value": v, "delay_ms": N}}: answers {@code v} (nil when absent),
 *       after a cooperative wait of N ms (default 0).</li>
 *   <li>{@code hang}: never answers by itself; waits (cooperatively) until the call is cancelled
 *       or its deadline passes, as a stuck backend would.</li>
 *   <li>{@code reject} {@code {"message": s}}: {@code InvalidInput} with {@code s} marked as safe to
 *       show ({@code MoltRejectedException}); {@code invalid} {@code {"message": s}}: an
 *       {@code IllegalArgumentException}, {@code InvalidInput} with a message that stays private.</li>
 *   <li>{@code sleep} {@code {"ms": N, "cooperative": bool}}: sleeps N ms; when cooperative,
 *       parked once and woken by the worker on cancellation -> {@code {"slept": N}}.</li>
 *   <li>{@code fail} {@code {"message": s}}: throws {@code RuntimeException(s)} -> InternalError.</li>
 *   <li>{@code crash} {@code {"code": n}}: halts the process with exit code n at once.</li>
 *   <li>{@code garbage}: writes a frame whose body is no envelope (8 bytes of 0xC1) straight to the
 *       real stdout, then returns {@code {}} normally.</li>
 *   <li>{@code print} {@code {"text": s}}: {@code System.out.println(s)} (lands on stderr) -> {@code {"printed": true}}.</li>
 *   <li>{@code touch} {@code {"file": path, "crash_if_first": bool, "sleep_ms": N}}: appends a line to
 *       the file; halts with code 3 if asked and the file was empty or absent; else sleeps N ms
 *       (cooperatively) -> {@code {"count": lines in the file}}.</li>
 *   <li>{@code count}: increments an in-memory counter -> {@code {"count": n}}.</li>
 *   <li>{@code warmed}: declares a sample ({@code --warmup} runs it); increments another counter
 *       -> {@code {"warmed": n}}.</li>
 *   <li>{@code stats}: {@code {"count": n, "cancel_observed": m, "running": r, "warmed": w}}: m =
 *       cooperative sleeps that saw their cancellation, r = sleeps running now, w = calls of
 *       {@code warmed} (warm-up samples included).</li>
 * </ul>
 * Environment: {@code MOLT_TEST_CRASH_AT_START=<code>} exits with that code before serving;
 * {@code MOLT_TEST_START_DELAY_MS=<ms>} delays the start; {@code MOLT_TEST_START_LOG=<file>} appends a
 * line to the file at every start; {@code MOLT_TEST_CRASH_IF_FILE=<file>} exits with code 4 at start
 * while that file exists (a crash loop that a test can end).
 *
 * <p>Hostile modes: {@code MOLT_TEST_MODE=<mode>[,<mode>...]} makes the whole process misbehave the
 * way a broken or malicious worker would. The worker then serves through a filter on its real stdin
 * and stdout (it accepts only {@code --stdio}, {@code --threads N} and {@code --max-queue N}):
 * <ul>
 *   <li>{@code garbage}: every response frame is replaced by a frame of 8 bytes of 0xC1 (no envelope).</li>
 *   <li>{@code unknown_ids}: every response carries a request id nobody sent (the real one + 2^40).</li>
 *   <li>{@code huge_claims}: every response is a 60-byte envelope whose {@code payload} is a bin32
 *       header claiming 1 GiB followed by 3 bytes.</li>
 *   <li>{@code huge_payload_claims}: successful responses are well-formed envelopes whose msgpack
 *       payload is a str32 header claiming 1 GiB followed by 3 bytes.</li>
 *   <li>{@code ping_ok}: with the modes above, {@code __ping__} is answered correctly (so the worker
 *       becomes ready and then misbehaves); without it the readiness ping is mangled too.</li>
 *   <li>{@code no_stdin}: after the first {@code __ping__} has been answered, stdin is never read again
 *       while the process stays alive: the client's writes fill the pipe and block.</li>
 *   <li>{@code stderr_flood}: writes stderr as fast as the pipe takes it, without any newline;
 *       {@code stderr_lines}: short lines ({@code flood line}) as fast as possible. Both stop after
 *       {@code MOLT_TEST_FLOOD_BYTES} bytes when that is set (default: never).</li>
 *   <li>{@code fork}: starts a grandchild ({@code sleep 600}, {@code MOLT_TEST_CHILD_SECONDS} to change
 *       it) that inherits stdin, stdout and stderr, so it holds the pipes, then serves normally;
 *       {@code fork_exit}: the same, and the worker halts (code 0) right after writing its first
 *       response to a call other than {@code __ping__}; {@code fork_exit_at_start}: forks and halts
 *       before serving anything.</li>
 * </ul>
 * {@code MOLT_TEST_CHILD_LOG=<file>} appends the pid of every grandchild to the file. A process in a
 * hostile mode halts (code 9) after {@code MOLT_TEST_MAX_LIFETIME_MS} (default 120000), so a test
 * that fails to clean up does not leave it behind for long.
 *
 * <p>Test code: the entries keep process-wide counters ({@code count}, {@code stats}); the exports
 * are thread-safe. A process started from {@link #command} belongs to whoever starts it (a client
 * closes the workers it started).
 */
public final class TestWorker {

    private static final AtomicLong COUNT = new AtomicLong();
    private static final AtomicLong WARMED = new AtomicLong();
    private static final AtomicLong CANCEL_OBSERVED = new AtomicLong();
    private static final AtomicLong RUNNING = new AtomicLong();

    private TestWorker() {
    }

    /** Runs the worker on stdin and stdout (or in the hostile modes of {@code MOLT_TEST_MODE}). */
    public static void main(String[] args) throws InterruptedException, java.io.IOException {
        String startLog = System.getenv("MOLT_TEST_START_LOG");
        if (startLog != null && !startLog.isBlank()) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(startLog), ProcessHandle.current().pid() + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        String crashFile = System.getenv("MOLT_TEST_CRASH_IF_FILE");
        if (crashFile != null && !crashFile.isBlank() && java.nio.file.Files.exists(java.nio.file.Path.of(crashFile))) {
            System.err.println("TestWorker: crashing at start while " + crashFile + " exists");
            System.exit(4);
        }
        String crash = System.getenv("MOLT_TEST_CRASH_AT_START");
        if (crash != null && !crash.isBlank()) {
            System.err.println("TestWorker: crashing at start with exit code " + crash.trim());
            System.exit(Integer.parseInt(crash.trim()));
        }
        String delay = System.getenv("MOLT_TEST_START_DELAY_MS");
        if (delay != null && !delay.isBlank()) {
            TimeUnit.MILLISECONDS.sleep(Long.parseLong(delay.trim()));
        }
        java.util.Set<String> modes;
        try {
            modes = HostileStdio.parseModes(System.getenv("MOLT_TEST_MODE"));
        } catch (IllegalArgumentException e) {
            System.err.println("TestWorker: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!modes.isEmpty()) {
            System.exit(HostileStdio.run(args, modes));
        }
        MoltWorker.runAndExit(args, TestWorker::configure);
    }

    /** The default manifest, the demo exports and the control entries. */
    public static void configure(MoltWorker.Builder builder) {
        builder.manifest(ExportsManifest.defaults());
        DemoExports.register(builder);
        builder.exports(exports());
    }

    /**
     * The command line starting a TestWorker process with this JVM and class path:
     * {@code java -Xlog:all=warning:stderr -cp <class path> dev.molt.accel.test.worker.TestWorker --stdio <args>}.
     */
    public static List<String> command(String... args) {
        return javaCommand(TestWorker.class.getName(), args);
    }

    /** As {@link #command}, for any main class on this JVM's class path. */
    public static List<String> javaCommand(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("-Xlog:all=warning:stderr");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** The control entries. */
    public static List<Export> exports() {
        return List.of(
                Export.anyCodec("echo", byte[].class, (bytes, ctx) -> bytes),
                Export.of("reply", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    Map<String, Object> m = map(p);
                    cooperativeSleep(number(m.get("delay_ms"), 0), ctx);
                    return m.get("value");
                }),
                Export.of("hang", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    RUNNING.incrementAndGet();
                    try {
                        cooperativeSleep(Long.MAX_VALUE / 4_000_000L, ctx);
                    } finally {
                        RUNNING.decrementAndGet();
                    }
                    return null;
                }),
                Export.of("reject", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    throw ctx.reject(String.valueOf(map(p).getOrDefault("message", "rejected")));
                }),
                Export.of("invalid", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    throw new IllegalArgumentException(String.valueOf(map(p).getOrDefault("message", "invalid")));
                }),
                Export.of("sleep", Codec.MSGPACK, Codec.MSGPACK, Object.class, TestWorker::sleep),
                Export.of("fail", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    throw new RuntimeException(String.valueOf(map(p).getOrDefault("message", "fail")));
                }),
                Export.of("crash", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    Runtime.getRuntime().halt((int) number(map(p).get("code"), 1));
                    return null;
                }),
                Export.of("garbage", Codec.MSGPACK, Codec.MSGPACK, Object.class, TestWorker::garbage),
                Export.of("print", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    System.out.println(map(p).get("text"));
                    System.out.flush();
                    return Map.of("printed", true);
                }),
                Export.of("touch", Codec.MSGPACK, Codec.MSGPACK, Object.class, TestWorker::touch),
                Export.of("count", Codec.MSGPACK, Codec.MSGPACK, Object.class,
                        (p, ctx) -> Map.of("count", COUNT.incrementAndGet())),
                Export.of("warmed", Codec.MSGPACK, Codec.MSGPACK, Object.class,
                        (p, ctx) -> Map.of("warmed", WARMED.incrementAndGet())).withSample(Map.of("n", 1)),
                Export.of("stats", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("count", COUNT.get());
                    m.put("cancel_observed", CANCEL_OBSERVED.get());
                    m.put("running", RUNNING.get());
                    m.put("warmed", WARMED.get());
                    return m;
                }));
    }

    private static Object sleep(Object payload, MoltContext ctx) throws InterruptedException {
        Map<String, Object> p = map(payload);
        long ms = number(p.get("ms"), 0);
        RUNNING.incrementAndGet();
        try {
            if (Boolean.TRUE.equals(p.get("cooperative"))) {
                cooperativeSleep(ms, ctx);
            } else {
                TimeUnit.MILLISECONDS.sleep(ms);
            }
        } finally {
            RUNNING.decrementAndGet();
        }
        return Map.of("slept", ms);
    }

    private static void cooperativeSleep(long ms, MoltContext ctx) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() - end < 0) {
            if (ctx.isCancelled()) {
                CANCEL_OBSERVED.incrementAndGet();
                ctx.throwIfCancelled();
                throw new RequestCancelledException("Request cancelled", false);
            }
            LockSupport.parkNanos(end - System.nanoTime()); // the worker unparks this thread on cancel
        }
    }

    private static Object garbage(Object payload, MoltContext ctx) throws IOException {
        byte[] frame = new byte[12];
        frame[0] = 8;
        Arrays.fill(frame, 4, 12, (byte) 0xC1);
        @SuppressWarnings("resource") // closing it would close the process's stdout
        OutputStream raw = new FileOutputStream(FileDescriptor.out);
        raw.write(frame);
        raw.flush();
        return Map.of();
    }

    private static Object touch(Object payload, MoltContext ctx) throws IOException {
        Map<String, Object> p = map(payload);
        Path file = Path.of(String.valueOf(p.get("file")));
        boolean first = !Files.exists(file) || Files.size(file) == 0;
        Files.write(file, ("touched by " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (first && Boolean.TRUE.equals(p.get("crash_if_first"))) {
            PrintStream err = System.err;
            err.println("TestWorker: touch crashes on the first execution");
            err.flush();
            Runtime.getRuntime().halt(3);
        }
        cooperativeSleep(number(p.get("sleep_ms"), 0), ctx);
        return Map.of("count", Files.readAllLines(file).size());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object payload) {
        if (payload == null) {
            return Map.of();
        }
        if (payload instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("payload must be a map");
    }

    private static long number(Object v, long dflt) {
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException("expected a number, got " + v);
    }
}
