package dev.molt.accel.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.molt.accel.client.MoltClientListener;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The failed-call log: each failure at DEBUG, at most one WARN line per pool, entry and outcome a minute, with counts. */
class FailedCallLogTests {

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    private final AtomicLong now = new AtomicLong(1_000);
    private final FailedCallLog log = new FailedCallLog(now::get, MINUTE);
    private final Logger logger = (Logger) LoggerFactory.getLogger(FailedCallLog.LOGGER);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level level;

    @BeforeEach
    void capture() {
        level = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        logger.setLevel(level);
    }

    private List<String> warnings() {
        return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void oneWarnLineAMinutePerKeyWithTheCountOfWhatWasHeldBack() {
        MoltClientListener pool = log.forPool("tiles");
        pool.callCompleted("render", "MoltTimeout", TimeUnit.MILLISECONDS.toNanos(250));
        assertThat(warnings()).singleElement().asString().contains("'render'", "'tiles'", "MoltTimeout");
        for (int i = 0; i < 10_000; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
            pool.callCompleted("render", "MoltTimeout", 1);
        }
        assertThat(warnings()).hasSize(1); // ten seconds of failures: no second line yet
        assertThat(appender.list.stream().filter(e -> e.getLevel() == Level.DEBUG)).hasSize(10_001);
        now.addAndGet(MINUTE);
        pool.callCompleted("render", "MoltTimeout", 1);
        assertThat(warnings()).hasSize(2);
        assertThat(warnings().get(1)).startsWith("10001 calls to 'render' on pool 'tiles' failed with MoltTimeout");
        now.addAndGet(MINUTE - 1);
        pool.callCompleted("render", "MoltTimeout", 1);
        assertThat(warnings()).hasSize(2);
    }

    @Test
    void keysAreSeparateSuccessesCostNothingAndCancelsStayAtDebug() {
        MoltClientListener tiles = log.forPool("tiles");
        MoltClientListener other = log.forPool("other");
        assertThat(log.forPool("tiles")).isSameAs(tiles);
        tiles.callCompleted("render", "MoltBusy", 1);
        tiles.callCompleted("render", "MoltTimeout", 1);
        tiles.callCompleted("resize", "MoltBusy", 1);
        other.callCompleted("render", "MoltBusy", 1);
        assertThat(warnings()).hasSize(4);
        tiles.callCompleted("render", "ok", 1);
        tiles.callCompleted("render", "MoltCancelled", 1);
        assertThat(warnings()).hasSize(4);
        assertThat(appender.list).hasSize(9); // four DEBUG and four WARN lines, the cancel at DEBUG
        FailedCallLog.LastFailure last = log.lastFailure("tiles");
        assertThat(last.entry()).isEqualTo("render");
        assertThat(last.outcome()).isEqualTo("MoltCancelled");
        assertThat(log.lastFailure("nowhere")).isNull();
    }
}
