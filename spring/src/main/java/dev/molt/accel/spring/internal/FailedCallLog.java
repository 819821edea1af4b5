package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClientListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failed calls of each pool on {@value #LOGGER}: every failure at DEBUG, and at WARN a summary
 * per pool, entry and outcome of at most one line a minute: the first failure of a kind is logged at
 * once, later ones are counted and the count is logged with the next failure of that kind a minute
 * or more after the last line, or, when failures of that kind stop, once the minute is over: by the
 * pool's upkeep tick ({@link MoltClientListener#periodic()}), by the pool's next call of any kind,
 * or on {@link #close()}. So an overloaded or misconfigured pool shows in the log without flooding
 * it, and no count is left unsaid. Cancelled calls (a client that went away) are logged at DEBUG
 * only. Also remembers each pool's last failure (entry and error code only), for the {@code molt}
 * Actuator endpoint. Thread-safe; a success costs a volatile read while nothing is held back, a
 * failure a map lookup and a short lock of its key. Owned by the application context, which closes it.
 */
public final class FailedCallLog implements PoolListeners, AutoCloseable {

    /** The logger of failed calls (also that of the HTTP answers to them). */
    public static final String LOGGER = "dev.molt.accel.spring.errors";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    /** The last failure of a pool: its entry, error code and ticker time. */
    public record LastFailure(String entry, String outcome, long atNanos) {
    }

    /** Calls look for held-back counts to write at most this often. */
    private static final long CALL_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LongSupplier ticker;
    private final long windowNanos;
    private final Map<String, PoolLog> pools = new ConcurrentHashMap<>();

    /** One WARN line per key per minute, timed by {@link System#nanoTime()}. */
    public FailedCallLog() {
        this(System::nanoTime, TimeUnit.MINUTES.toNanos(1));
    }

    /** @param ticker the clock (nanoseconds), for tests; @param windowNanos the least time between two WARN lines of a key */
    public FailedCallLog(LongSupplier ticker, long windowNanos) {
        this.ticker = ticker;
        this.windowNanos = windowNanos;
    }

    @Override
    public MoltClientListener forPool(String pool) {
        return pools.computeIfAbsent(pool, PoolLog::new);
    }

    /** The last failed call of pool {@code pool}, or {@code null}. */
    public LastFailure lastFailure(String pool) {
        PoolLog p = pools.get(pool);
        return p == null ? null : p.last;
    }

    /** The ticker's time now, to age {@link LastFailure#atNanos()}. */
    public long now() {
        return ticker.getAsLong();
    }

    /** Writes every held-back count, due or not: nothing counted is left unsaid at shutdown. */
    @Override
    public void close() {
        long now = ticker.getAsLong();
        for (PoolLog p : pools.values()) {
            p.flush(now, true);
        }
    }

    /** The WARN state of one pool, entry and outcome. Guarded by itself. */
    private static final class Window {
        long lastLineNanos;
        long suppressed;
    }

    private final class PoolLog extends MoltClientListener {

        private final String pool;
        private final Map<String, Window> windows = new ConcurrentHashMap<>();
        volatile LastFailure last;
        /**
         * Whether a window may hold back a count: set after each count held back, cleared by a flush
         * before it looks (so a count held back during a flush sets it again).
         */
        private volatile boolean heldBack;
        /** Ticker time of the last flush on the call path, so that calls look at most once a second. */
        private final AtomicLong lastCallFlushNanos;

        PoolLog(String pool) {
            this.pool = pool;
            this.lastCallFlushNanos = new AtomicLong(ticker.getAsLong());
        }

        @Override
        public void periodic() {
            flush(ticker.getAsLong(), false);
        }

        /** Writes the held-back counts whose minute is over ({@code all}: every one). */
        void flush(long now, boolean all) {
            if (!heldBack) {
                return;
            }
            heldBack = false;
            for (Map.Entry<String, Window> e : windows.entrySet()) {
                Window w = e.getValue();
                long count;
                synchronized (w) {
                    if (w.suppressed == 0) {
                        continue;
                    }
                    if (!all && now - w.lastLineNanos < windowNanos) {
                        heldBack = true;
                        continue;
                    }
                    count = w.suppressed;
                    w.suppressed = 0;
                    w.lastLineNanos = now;
                }
                String key = e.getKey();
                int sep = key.indexOf('\u0000');
                log.warn("{} calls to '{}' on pool '{}' failed with {} since the last line", count,
                        key.substring(0, sep), pool, key.substring(sep + 1));
            }
        }

        @Override
        public void callCompleted(String entry, String outcome, long durationNanos) {
            if (!"ok".equals(outcome)) {
                failed(entry, outcome, durationNanos);
            }
            if (heldBack) {
                // after the failure's own line, which includes its count; the pool's tick flushes
                // too, and this covers pools without one (a process per call)
                long now = ticker.getAsLong();
                long lastFlush = lastCallFlushNanos.get();
                if (now - lastFlush >= CALL_FLUSH_NANOS && lastCallFlushNanos.compareAndSet(lastFlush, now)) {
                    flush(now, false);
                }
            }
        }

        private void failed(String entry, String outcome, long durationNanos) {
            long now = ticker.getAsLong();
            last = new LastFailure(entry, outcome, now);
            if (log.isDebugEnabled()) {
                log.debug("Call to '{}' on pool '{}' failed with {} after {} ms", entry, pool, outcome,
                        TimeUnit.NANOSECONDS.toMillis(durationNanos));
            }
            if ("MoltCancelled".equals(outcome) || !log.isWarnEnabled()) {
                return;
            }
            boolean first = false;
            long count = 0;
            Window w = windows.get(entry + '\u0000' + outcome);
            if (w == null) {
                Window created = new Window();
                w = windows.putIfAbsent(entry + '\u0000' + outcome, created);
                if (w == null) {
                    w = created;
                    first = true;
                }
            }
            synchronized (w) {
                if (first) {
                    w.lastLineNanos = now;
                } else if (now - w.lastLineNanos >= windowNanos) {
                    count = w.suppressed + 1;
                    w.suppressed = 0;
                    w.lastLineNanos = now;
                } else {
                    w.suppressed++;
                    heldBack = true;
                    return;
                }
            }
            if (first) {
                log.warn("Calls to '{}' on pool '{}' fail with {}; further failures of this kind are counted and "
                        + "logged at most once a minute (each one at DEBUG)", entry, pool, outcome);
            } else {
                log.warn("{} calls to '{}' on pool '{}' failed with {} since the last line", count, entry, pool,
                        outcome);
            }
        }
    }
}
