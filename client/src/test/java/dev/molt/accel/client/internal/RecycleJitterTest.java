package dev.molt.accel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Recycling limits are lowered by a random fraction up to the jitter, so workers of a pool spread out. */
class RecycleJitterTest {

    @Test
    void limitsSpreadWithinTheJitterAndNoJitterKeepsTheLimit() {
        Set<Long> seen = new HashSet<>();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 2_000; i++) {
            long v = WorkerProcess.jittered(2_000, 0.1);
            seen.add(v);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isGreaterThanOrEqualTo(1_800);
        assertThat(max).isLessThanOrEqualTo(2_000);
        assertThat(seen).as("distinct limits among 2,000 workers").hasSizeGreaterThan(100);
        assertThat(max - min).as("spread over most of the 200-call band").isGreaterThan(150);
        assertThat(WorkerProcess.jittered(2_000, 0)).isEqualTo(2_000);
    }

    @Test
    void rssIsReadFromProcWhereItExistsAndIsOffElsewhere() {
        long self = ProcessHandle.current().pid();
        long rss = PoolMaintainer.rssBytes(self);
        if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc", Long.toString(self), "status"))) {
            assertThat(rss).as("this JVM's resident set").isBetween(1L << 20, 64L << 30);
        } else {
            assertThat(rss).isEqualTo(-1);
        }
        assertThat(PoolMaintainer.rssBytes(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
