package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClientListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failed calls of each pool on {@value #LOGGER}: every failure at DEBUG, and at WARN a summary
 * per pool, entry and outcome of at most one line a minute: the first failure of a kind is logged at
 * once, later ones are counted and the count is logged with the next failure of that kind a minute
 * or more after the last line. So an overloaded or misconfigured pool shows in the log without
 * flooding it. Cancelled calls (a client that went away) are logged at DEBUG only. Also remembers
 * each pool's last failure (entry and error code only), for the {@code molt} Actuator endpoint.
 * Thread-safe; a success costs nothing, a failure a map lookup and a short lock of its key.
 */
public final class FailedCallLog implements PoolListeners {

    /** The logger of failed calls (also that of the HTTP answers to them). */
    public static final String LOGGER = "dev.molt.accel.spring.errors";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    /** The last failure of a pool: its entry, error code and ticker time. */
    public record LastFailure(String entry, String outcome, long atNanos) {
    }

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

    /** The WARN state of one pool, entry and outcome. Guarded by itself. */
    private static final class Window {
        long lastLineNanos;
        long suppressed;
    }

    private final class PoolLog extends MoltClientListener {

        private final String pool;
        private final Map<String, Window> windows = new ConcurrentHashMap<>();
        volatile LastFailure last;

        PoolLog(String pool) {
            this.pool = pool;
        }

        @Override
        public void callCompleted(String entry, String outcome, long durationNanos) {
            if ("ok".equals(outcome)) {
                return;
            }
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
