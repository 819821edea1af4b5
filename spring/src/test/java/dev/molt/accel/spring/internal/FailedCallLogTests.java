package dev.molt.accel.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientListener;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The failed-call log: each failure at DEBUG, at most one WARN line per pool, entry and outcome a
 * minute, with counts, and the counts held back written once the minute is over when failures stop
 * (by the pool's tick, the next call, or close), on an injectable clock; and driven by a real
 * client's upkeep tick.
 */
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

    @Test
    void heldBackCountsAreWrittenByTheTickOnceTheMinuteIsOverAndOnClose() {
        MoltClientListener pool = log.forPool("tiles");
        pool.callCompleted("render", "MoltTimeout", 1);
        for (int i = 0; i < 3; i++) {
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
            pool.callCompleted("render", "MoltTimeout", 1);
        }
        pool.callCompleted("resize", "MoltBusy", 1);
        assertThat(warnings()).hasSize(2);
        now.addAndGet(MINUTE - TimeUnit.SECONDS.toNanos(4));
        pool.periodic();
        assertThat(warnings()).as("the minute is not over yet").hasSize(2);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        pool.periodic();
        assertThat(warnings()).hasSize(3);
        assertThat(warnings().get(2)).isEqualTo("3 calls to 'render' on pool 'tiles' failed with MoltTimeout since the last line");
        now.addAndGet(MINUTE);
        pool.periodic();
        assertThat(warnings()).as("said once; 'resize' held nothing back").hasSize(3);

        // a failure within the minute after the summary waits for the next minute, or for close
        pool.callCompleted("render", "MoltTimeout", 1);
        pool.callCompleted("render", "MoltTimeout", 1);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        pool.callCompleted("render", "MoltTimeout", 1);
        assertThat(warnings()).hasSize(4);
        log.close();
        assertThat(warnings()).hasSize(5);
        assertThat(warnings().get(4)).isEqualTo("2 calls to 'render' on pool 'tiles' failed with MoltTimeout since the last line");
        log.close();
        assertThat(warnings()).hasSize(5);
    }

    @Test
    void withoutATickTheNextCallOfAnyKindWritesWhatIsDueAtMostOnceASecond() {
        MoltClientListener pool = log.forPool("per-call");
        pool.callCompleted("render", "MoltBusy", 1);
        pool.callCompleted("render", "MoltBusy", 1);
        pool.callCompleted("other", "MoltBusy", 1);
        pool.callCompleted("other", "MoltBusy", 1);
        assertThat(warnings()).hasSize(2);
        now.addAndGet(MINUTE);
        pool.callCompleted("render", "ok", 1);
        assertThat(warnings()).hasSize(4).contains(
                "1 calls to 'render' on pool 'per-call' failed with MoltBusy since the last line",
                "1 calls to 'other' on pool 'per-call' failed with MoltBusy since the last line");

        // a failure of a kind whose minute is over still carries its own count in its line
        pool.callCompleted("render", "MoltBusy", 1);
        now.addAndGet(MINUTE);
        pool.callCompleted("render", "MoltBusy", 1);
        assertThat(warnings()).hasSize(5);
        assertThat(warnings().get(4)).isEqualTo("2 calls to 'render' on pool 'per-call' failed with MoltBusy since the last line");

        // the calls look at most once a second: a count that falls due just after a look waits for the next
        long half = TimeUnit.MILLISECONDS.toNanos(500);
        pool.callCompleted("render", "MoltBusy", 1); // held back, due a minute after the line above
        now.addAndGet(MINUTE - half);
        pool.callCompleted("other", "ok", 1); // looks: not due yet
        now.addAndGet(half);
        pool.callCompleted("other", "ok", 1); // due, but half a second after the last look
        assertThat(warnings()).hasSize(5);
        now.addAndGet(half);
        pool.callCompleted("other", "ok", 1);
        assertThat(warnings()).hasSize(6);
        assertThat(warnings().get(5)).isEqualTo("1 calls to 'render' on pool 'per-call' failed with MoltBusy since the last line");
    }

    @Test
    void aRealClientsUpkeepTickWritesTheHeldBackCountWhenFailuresStop() {
        // real time, a window of 5 s: the failing calls to a started worker take milliseconds each
        FailedCallLog real = new FailedCallLog(System::nanoTime, TimeUnit.SECONDS.toNanos(5));
        int calls = 5;
        try (MoltClient client = MoltClient.builder().command(TestWorkers.command())
                .startTimeout(Duration.ofSeconds(60)).listener(real.forPool("ticked")).build()) {
            client.start();
            for (int i = 0; i < calls; i++) {
                assertThatThrownBy(() -> client.call("fail", Map.of("message", "x"),
                        CallOptions.builder().timeoutMs(30_000).build())).isInstanceOf(MoltInternalErrorException.class);
            }
            // no further call: only the tick can write what was held back
            await().atMost(Duration.ofSeconds(30)).until(() -> counted("ticked") == calls);
            assertThat(lines("ticked")).hasSizeLessThan(calls).hasSizeGreaterThan(1);
        }
    }

    private List<String> lines(String pool) {
        return warnings().stream().filter(m -> m.contains("'fail' on pool '" + pool + "'")).toList();
    }

    /** The failures the pool's WARN lines account for: one for the first line, the count of each later one. */
    private long counted(String pool) {
        Pattern count = Pattern.compile("^(\\d{1,9}) calls to ");
        long n = 0;
        for (String line : lines(pool)) {
            Matcher m = count.matcher(line);
            n += m.find() ? Long.parseLong(m.group(1)) : 1;
        }
        return n;
    }
}
