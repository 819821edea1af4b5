package dev.molt.accel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The stderr drainer over real bytes: floods, endless lines, broken UTF-8, a broken logger, real pipes. */
class StderrDrainerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void logsLinesWithThePrefixAndKeepsThemInTheTail() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        StderrDrainer d = StderrDrainer.start(bytes("first\nsecond\r\n\nlast without newline"),
                "molt-accel-stderr-test", log, "[worker 7] ");
        d.thread().join(WAIT.toMillis());

        assertThat(d.thread().isAlive()).isFalse();
        assertThat(d.thread().getName()).isEqualTo("molt-accel-stderr-test");
        assertThat(d.thread().isDaemon()).isTrue();
        assertThat(log.info()).containsExactly("[worker 7] first", "[worker 7] second", "[worker 7] ",
                "[worker 7] last without newline");
        assertThat(d.tail()).containsExactly("first", "second", "", "last without newline");
        assertThat(d.linesSeen()).isEqualTo(4);
        assertThat(d.linesSuppressed()).isZero();
        assertThat(d.bytesRead()).isEqualTo("first\nsecond\r\n\nlast without newline".length());
    }

    @Test
    void theTailHoldsTheLastLinesOnly() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            in.append("line ").append(i).append('\n');
        }
        StderrDrainer d = StderrDrainer.start(bytes(in.toString()), "molt-accel-stderr-test", log, "",
                new StderrDrainer.Limits(4096, 3, 10_000));
        d.thread().join(WAIT.toMillis());
        assertThat(d.tail()).containsExactly("line 997", "line 998", "line 999");
        assertThat(d.linesSeen()).isEqualTo(1000);
    }

    @Test
    void aLongLineIsTruncatedAndMarkedAndTheRestSkipped() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        String longLine = "x".repeat(10_000);
        StderrDrainer d = StderrDrainer.start(bytes(longLine + "\nnext\n"), "molt-accel-stderr-test", log, "",
                new StderrDrainer.Limits(100, 5, 100));
        d.thread().join(WAIT.toMillis());
        assertThat(d.tail()).containsExactly("x".repeat(100) + StderrDrainer.TRUNCATED, "next");
        assertThat(log.info()).containsExactly("x".repeat(100) + StderrDrainer.TRUNCATED, "next");
    }

    @Test
    void decodesLenientlyAndNeutralisesControlCharacters() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        byte[] in = {(byte) 0xFF, 'a', (byte) 0xC3, (byte) 0xA9, 0x1B, '[', '3', '1', 'm', '\t', 'b', '\r', 'c',
            '\n'};
        StderrDrainer d = StderrDrainer.start(new ByteArrayInputStream(in), "molt-accel-stderr-test", log, "");
        d.thread().join(WAIT.toMillis());
        assertThat(d.tail()).containsExactly("\uFFFDa\u00E9?[31m\tb?c");
    }

    @Test
    void truncationDoesNotCutAMultiByteCharacterInHalf() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        // 'a' then a 3-byte euro sign, cut after its second byte by a 3-byte limit
        byte[] in = {'a', (byte) 0xE2, (byte) 0x82, (byte) 0xAC, 'z', '\n'};
        StderrDrainer d = StderrDrainer.start(new ByteArrayInputStream(in), "molt-accel-stderr-test", log, "",
                new StderrDrainer.Limits(3, 5, 100));
        d.thread().join(WAIT.toMillis());
        assertThat(d.tail()).containsExactly("a" + StderrDrainer.TRUNCATED);
        assertThat(StderrDrainer.completeUtf8(new byte[] {'a', (byte) 0xE2, (byte) 0x82, (byte) 0xAC}, 4)).isEqualTo(4);
        assertThat(StderrDrainer.completeUtf8(new byte[] {(byte) 0x82, (byte) 0x82}, 2)).isEqualTo(2);
    }

    @Test
    void fiftyMegabytesWithoutANewlineCostAFixedBuffer() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        long total = 50L * 1024 * 1024;
        long before = usedAfterGc();
        AtomicLong usedMidway = new AtomicLong(-1);
        // bytes generated as they are read: nothing but the drainer can hold them
        InputStream endless = new InputStream() {
            private long left = total;

            @Override
            public int read() {
                throw new UnsupportedOperationException("the drainer reads in chunks");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                if (left <= total / 10 && usedMidway.get() < 0) {
                    usedMidway.set(usedAfterGc()); // 90 % of the line has been read
                }
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) 'x');
                left -= n;
                return n;
            }
        };
        long start = System.nanoTime();
        StderrDrainer d = StderrDrainer.start(endless, "molt-accel-stderr-test", log, "");
        d.thread().join(WAIT.toMillis());
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(d.thread().isAlive()).isFalse();
        assertThat(d.bytesRead()).isEqualTo(total);
        assertThat(d.linesSeen()).isEqualTo(1);
        assertThat(d.tail()).hasSize(1);
        assertThat(d.tail().get(0)).hasSize(4096 + StderrDrainer.TRUNCATED.length()).endsWith(StderrDrainer.TRUNCATED);
        // a reader buffering the line would hold 50 MB or more (100 MB as chars) at that point
        assertThat(usedMidway.get() - before).as("heap growth while 45 MB of one line was read")
                .isLessThan(16L * 1024 * 1024);
        assertThat(tookMs).as("ms for 50 MB").isLessThan(15_000);
    }

    @Test
    void theRateLimitDropsLinesAndSaysHowManyWhenLoggingResumes() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        AtomicLong now = new AtomicLong(1_000_000_000L);
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            burst.append("burst ").append(i).append('\n');
        }
        ScriptedInput in = new ScriptedInput()
                .then(burst.toString())
                .then(() -> now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100))) // 10 tokens at 100/s
                .then("after a pause\n")
                .then(() -> now.addAndGet(TimeUnit.SECONDS.toNanos(5)))
                .then("one\ntwo\n");
        StderrDrainer d = StderrDrainer.start(in, "molt-accel-stderr-test", log, "[w] ",
                new StderrDrainer.Limits(4096, 5, 100), now::get);
        d.thread().join(WAIT.toMillis());

        assertThat(d.linesSeen()).isEqualTo(1003);
        assertThat(d.linesSuppressed()).isEqualTo(900);
        assertThat(log.infoCount()).isEqualTo(103);
        assertThat(log.info().get(99)).isEqualTo("[w] burst 99");
        assertThat(log.info().subList(100, 103)).containsExactly("[w] after a pause", "[w] one", "[w] two");
        assertThat(log.warn()).containsExactly("[w] 900 stderr lines suppressed");
        assertThat(d.tail()).containsExactly("burst 998", "burst 999", "after a pause", "one", "two");
    }

    @Test
    void suppressedLinesAreCountedInTheLogAlsoWhenTheStreamEnds() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        StderrDrainer d = StderrDrainer.start(bytes("a\nb\nc\nd\n"), "molt-accel-stderr-test", log, "",
                new StderrDrainer.Limits(4096, 5, 2), () -> 0L);
        d.thread().join(WAIT.toMillis());
        assertThat(log.info()).containsExactly("a", "b");
        assertThat(log.warn()).containsExactly("2 stderr lines suppressed");
    }

    @Test
    void aFloodOfShortLinesFromARealProcessIsLoggedAtTheLimitedRate() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        // yes writes "y\n" as fast as the pipe takes it
        Process yes = new ProcessBuilder("yes").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long start = System.nanoTime();
            StderrDrainer d = StderrDrainer.start(yes.getInputStream(), "molt-accel-stderr-test", log, "",
                    StderrDrainer.Limits.DEFAULT);
            await().atMost(WAIT).until(() -> d.bytesRead() > 20L * 1024 * 1024
                    || System.nanoTime() - start > TimeUnit.SECONDS.toNanos(3));
            int logged = log.infoCount();
            double seconds = (System.nanoTime() - start) / 1e9;
            long seen = d.linesSeen();

            assertThat(seen).as("lines read").isGreaterThan(10_000);
            assertThat((double) logged).as("lines logged in %.2f s", seconds)
                    .isLessThanOrEqualTo(100 * (seconds + 1) + 1);
            assertThat(d.linesSuppressed()).isGreaterThan(seen / 2);
            assertThat(d.tail()).hasSize(50).containsOnly("y");

            yes.destroyForcibly();
            d.thread().join(WAIT.toMillis());
            assertThat(d.thread().isAlive()).isFalse();
        } finally {
            yes.destroyForcibly();
        }
    }

    @Test
    void theThreadSurvivesALoggerThatThrows() throws Exception {
        RecordingLogger broken = new RecordingLogger(true);
        StderrDrainer d = StderrDrainer.start(bytes("a\nb\nc\n"), "molt-accel-stderr-test", broken, "");
        d.thread().join(WAIT.toMillis());
        assertThat(d.thread().isAlive()).isFalse();
        assertThat(d.linesSeen()).isEqualTo(3);
        assertThat(d.loggerFailures()).isEqualTo(3);
        assertThat(d.tail()).containsExactly("a", "b", "c");
    }

    @Test
    void closeReturnsAtOnceAndTheThreadEndsWithTheWriter() throws Exception {
        RecordingLogger log = new RecordingLogger(false);
        // a writer that keeps its stderr open and silent: the drainer's read blocks
        Process sleeper = new ProcessBuilder("sh", "-c", "echo started >&2; exec sleep 600").start();
        try {
            StderrDrainer d = StderrDrainer.start(sleeper.getErrorStream(), "molt-accel-stderr-test", log, "");
            await().atMost(WAIT).until(() -> d.linesSeen() == 1);
            long start = System.nanoTime();
            d.close();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms in close()").isLessThan(1000);

            sleeper.destroyForcibly();
            d.thread().join(WAIT.toMillis());
            assertThat(d.thread().isAlive()).isFalse();
            assertThat(d.tail()).containsExactly("started");
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void limitsAreValidated() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StderrDrainer.Limits(0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLineBytes");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StderrDrainer.Limits(1, -1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tailLines");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StderrDrainer.Limits(1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLinesPerSecond");
        assertThat(StderrDrainer.Limits.DEFAULT).isEqualTo(new StderrDrainer.Limits(4096, 50, 100));
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Chunks of bytes served one read at a time, with actions run (on the reading thread) between them. */
    private static final class ScriptedInput extends InputStream {
        private final Deque<Object> steps = new ArrayDeque<>();

        ScriptedInput then(String chunk) {
            steps.add(chunk.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        ScriptedInput then(Runnable action) {
            steps.add(action);
            return this;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("the drainer reads in chunks");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                Object step = steps.peek();
                if (step == null) {
                    return -1;
                }
                if (step instanceof Runnable r) {
                    steps.poll();
                    r.run();
                    continue;
                }
                byte[] chunk = (byte[]) step;
                int n = Math.min(len, chunk.length);
                System.arraycopy(chunk, 0, b, off, n);
                steps.poll();
                if (n < chunk.length) {
                    steps.addFirst(Arrays.copyOfRange(chunk, n, chunk.length));
                }
                return n;
            }
        }
    }
}
