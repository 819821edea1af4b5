package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The pool upkeep keys (spares, recycling, health probes, elastic size) reach the client of their pool. */
class PoolUpkeepPropertiesTests {

    private static final AutoConfigurations MOLT = AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class,
            MoltAccelAutoConfiguration.class);

    @Test
    void aNamedPoolGetsItsSparesAndRecyclesByItsOwnKeysWhileTheDefaultPoolKeepsItsOwn() {
        List<String> props = new ArrayList<>();
        List<String> command = TestWorkers.command();
        for (int i = 0; i < command.size(); i++) {
            props.add("molt.accel.worker.command[" + i + "]=" + command.get(i));
        }
        props.add("molt.accel.eager-start=true");
        props.add("molt.accel.workers.t.spare-workers=1");
        props.add("molt.accel.workers.t.max-pool-size=2");
        props.add("molt.accel.workers.t.recycle.max-calls=10");
        props.add("molt.accel.workers.t.recycle.jitter=0");
        props.add("molt.accel.workers.t.health.interval=30s");
        props.add("molt.accel.workers.t.health.timeout=2s");
        props.add("molt.accel.workers.t.idle-timeout=30s");
        props.add("molt.accel.workers.t.timeout=20s");
        new ApplicationContextRunner().withConfiguration(MOLT).withPropertyValues(props.toArray(String[]::new))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltPools pools = context.getBean(MoltPools.class);
                    MoltClient t = pools.pool("t");
                    t.start();
                    await().atMost(Duration.ofSeconds(60)).until(() -> t.stats().spares() == 1);
                    for (int i = 0; i < 30; i++) {
                        assertThat(t.call("echo", Map.of("i", i)).value()).isEqualTo(Map.of("i", i));
                    }
                    await().atMost(Duration.ofSeconds(60)).until(() -> t.stats().recycles() >= 2);
                    ClientStats stats = t.stats();
                    assertThat(stats.size()).isEqualTo(1);
                    assertThat(stats.workers()).isEqualTo(1);
                    ClientStats defaults = pools.defaultPool().stats();
                    assertThat(defaults.spares()).as("the default pool has no spare: 0 by default").isZero();
                });
    }
}
