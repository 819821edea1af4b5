package dev.molt.accel.client.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Drains a worker's stderr into SLF4J on its own daemon thread, in bounded memory and at a bounded
 * log rate, whatever the worker writes.
 *
 * <p>The stream is read 8 KiB at a time. A line longer than {@link Limits#maxLineBytes()} keeps its
 * first bytes, is marked {@value #TRUNCATED}, and the rest up to its newline is skipped without
 * being buffered: a worker writing gigabytes without a newline costs a fixed buffer. Bytes are
 * decoded as UTF-8 leniently (bad sequences become U+FFFD) and control characters become {@code ?},
 * so a worker cannot forge log lines. Ordinary lines are logged at INFO, prefixed; at most
 * {@link Limits#maxLinesPerSecond()} per second on average (a token bucket holding one second's
 * worth), and when lines were dropped one WARN line says how many before logging resumes. The last
 * {@link Limits#tailLines()} lines are kept, dropped ones included, for crash diagnostics.
 *
 * <p>The thread ends at EOF or when the stream fails or is closed; an exception from the logger is
 * counted and ignored. Thread-safe: the counters and {@link #tail()} may be read from any thread.
 * The drainer owns the stream: {@link #close()} closes it.
 */
public final class StderrDrainer implements AutoCloseable {

    static final String TRUNCATED = " ... [truncated]";
    private static final int READ_BUFFER = 8 * 1024;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /**
     * Bounds of a drainer.
     *
     * @param maxLineBytes bytes of a line kept; the rest of a longer line is discarded
     * @param tailLines lines kept for {@link #tail()}
     * @param maxLinesPerSecond lines logged per second on average (bursts up to this many)
     */
    public record Limits(int maxLineBytes, int tailLines, int maxLinesPerSecond) {
        /** 4096 bytes a line, the last 50 lines, 100 lines a second. */
        public static final Limits DEFAULT = new Limits(4096, 50, 100);

        public Limits {
            if (maxLineBytes < 1 || maxLineBytes > 1024 * 1024) {
                throw new IllegalArgumentException("maxLineBytes must be in [1, 1 MiB], got " + maxLineBytes);
            }
            if (tailLines < 0 || tailLines > 10_000) {
                throw new IllegalArgumentException("tailLines must be in [0, 10000], got " + tailLines);
            }
            if (maxLinesPerSecond < 1) {
                throw new IllegalArgumentException("maxLinesPerSecond must be >= 1, got " + maxLinesPerSecond);
            }
        }
    }

    private final InputStream in;
    private final Logger log;
    private final String prefix;
    private final Limits limits;
    private final LongSupplier ticker;
    private final Thread thread;

    /**
     * {@code tailLines + 1} slots of {@code maxLineBytes}: the newest {@code tailLines} are
     * published, the one after them is where the drainer thread writes the line being read, so
     * {@link #tail()} never reads a slot being written. Guarded by {@code this} for publication.
     */
    private final byte[][] slots;
    private final int[] slotLengths;
    private final boolean[] slotTruncated;
    private int fill;
    private int published;

    private volatile long linesSeen;
    private volatile long linesSuppressed;
    private volatile long bytesRead;
    private volatile long loggerFailures;
    private volatile boolean closed;

    private double tokens;
    private long lastRefill;
    private long suppressedSinceLogged;

    private StderrDrainer(InputStream in, String threadName, Logger log, String prefix, Limits limits,
            LongSupplier ticker) {
        this.in = Objects.requireNonNull(in, "in");
        this.log = Objects.requireNonNull(log, "log");
        this.prefix = prefix == null ? "" : prefix;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.ticker = ticker;
        this.slots = new byte[limits.tailLines() + 1][];
        this.slotLengths = new int[slots.length];
        this.slotTruncated = new boolean[slots.length];
        this.tokens = limits.maxLinesPerSecond();
        this.lastRefill = ticker.getAsLong();
        this.thread = new Thread(this::run, Objects.requireNonNull(threadName, "threadName"));
        this.thread.setDaemon(true);
    }

    /** Starts a daemon thread named threadName that reads in in bounded chunks and logs lines to log, each prefixed with prefix (e.g. "[worker 1234] "). */
    public static StderrDrainer start(InputStream in, String threadName, Logger log, String prefix) {
        return start(in, threadName, log, prefix, Limits.DEFAULT);
    }

    /** As {@link #start(InputStream, String, Logger, String)} with explicit limits. */
    public static StderrDrainer start(InputStream in, String threadName, Logger log, String prefix, Limits limits) {
        return start(in, threadName, log, prefix, limits, System::nanoTime);
    }

    /** With a ticker in nanoseconds, for tests of the rate limit. */
    static StderrDrainer start(InputStream in, String threadName, Logger log, String prefix, Limits limits,
            LongSupplier ticker) {
        StderrDrainer d = new StderrDrainer(in, threadName, log, prefix, limits, ticker);
        d.thread.start();
        return d;
    }

    /** The last lines (each at most maxLineBytes, truncated lines marked), for crash diagnostics. */
    public synchronized List<String> tail() {
        List<String> out = new ArrayList<>(published);
        int n = slots.length;
        for (int i = published; i >= 1; i--) {
            int s = Math.floorMod(fill - i, n);
            out.add(decode(slots[s], slotLengths[s], slotTruncated[s]));
        }
        return out;
    }

    /** Lines seen, the suppressed ones included. */
    public long linesSeen() {
        return linesSeen;
    }

    /** Lines not logged because of the rate limit. */
    public long linesSuppressed() {
        return linesSuppressed;
    }

    /** Bytes read from the stream. */
    public long bytesRead() {
        return bytesRead;
    }

    /** Calls into the logger that threw. */
    public long loggerFailures() {
        return loggerFailures;
    }

    public Thread thread() {
        return thread;
    }

    /**
     * Closes the stream (which ends the thread); never blocks on the thread. A thread blocked in a
     * read of a pipe whose writer is still alive returns when the writer writes or exits (closing a
     * pipe does not wake a blocked reader), so end the writer too.
     */
    @Override
    public void close() {
        closed = true;
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // nothing left to release
        }
    }

    // ---------------------------------------------------------------- the drainer thread

    private void run() {
        byte[] buf = new byte[READ_BUFFER];
        int max = limits.maxLineBytes();
        byte[] line = slot(fill);
        int len = 0;
        boolean truncated = false;
        boolean pending = false; // bytes of an unfinished line seen
        long total = 0;
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException | RuntimeException e) {
                break; // closed, or the pipe broke: nothing more will come
            }
            if (n < 0) {
                break;
            }
            total += n;
            bytesRead = total;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    emit(len, truncated);
                    line = slot(fill);
                    len = 0;
                    truncated = false;
                    pending = false;
                } else if (!truncated) {
                    pending = true;
                    if (len < max) {
                        line[len++] = b;
                    } else {
                        truncated = true;
                    }
                }
            }
        }
        if (pending || len > 0) {
            emit(len, truncated);
        }
        if (suppressedSinceLogged > 0) {
            logSuppressed();
        }
    }

    private byte[] slot(int index) {
        byte[] s = slots[index];
        if (s == null) {
            s = new byte[limits.maxLineBytes()];
            slots[index] = s;
        }
        return s;
    }

    /** Publishes the line in the fill slot and logs it if the rate allows. */
    private void emit(int len, boolean truncated) {
        if (len > 0 && slots[fill][len - 1] == '\r') {
            len--;
        }
        linesSeen++;
        int current = fill;
        synchronized (this) {
            slotLengths[current] = len;
            slotTruncated[current] = truncated;
            if (limits.tailLines() > 0) {
                fill = (fill + 1) % slots.length;
                published = Math.min(published + 1, limits.tailLines());
            }
        }
        if (takeToken()) {
            if (suppressedSinceLogged > 0) {
                logSuppressed();
            }
            String text = decode(slots[current], len, truncated);
            try {
                log.info("{}{}", prefix, text);
            } catch (RuntimeException | Error e) {
                loggerFailures++;
            }
        } else {
            suppressedSinceLogged++;
            linesSuppressed++;
        }
    }

    private void logSuppressed() {
        long n = suppressedSinceLogged;
        suppressedSinceLogged = 0;
        try {
            log.warn("{}{} stderr lines suppressed", prefix, n);
        } catch (RuntimeException | Error e) {
            loggerFailures++;
        }
    }

    private boolean takeToken() {
        long now = ticker.getAsLong();
        long elapsed = now - lastRefill;
        if (elapsed > 0) {
            int rate = limits.maxLinesPerSecond();
            tokens = Math.min(rate, tokens + (double) elapsed * rate / SECOND);
            lastRefill = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Lenient UTF-8 with control characters (tab aside) replaced, so a line cannot forge others. */
    private static String decode(byte[] bytes, int len, boolean truncated) {
        int end = truncated ? completeUtf8(bytes, len) : len;
        byte[] copy = null;
        for (int i = 0; i < end; i++) {
            int b = bytes[i] & 0xFF;
            if ((b < 0x20 && b != '\t') || b == 0x7F) {
                if (copy == null) {
                    copy = java.util.Arrays.copyOf(bytes, end);
                }
                copy[i] = '?';
            }
        }
        String s = new String(copy == null ? bytes : copy, 0, end, StandardCharsets.UTF_8);
        return truncated ? s + TRUNCATED : s;
    }

    /** The length without a multi-byte sequence cut by the truncation. */
    static int completeUtf8(byte[] b, int len) {
        int i = len;
        int back = 0;
        while (i > 0 && back < 3 && (b[i - 1] & 0xC0) == 0x80) {
            i--;
            back++;
        }
        if (i == 0) {
            return len;
        }
        int lead = b[i - 1] & 0xFF;
        int need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
        if (lead < 0xC0) {
            return len; // plain ASCII before the continuation bytes (or none): nothing cut
        }
        return back < need ? i - 1 : len;
    }
}
