package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** molt.accel.warmup and molt.accel.workers.NAME.warmup: bound, validated, and answered by a real new worker. */
class WarmupPropertiesTests {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class))
            .withPropertyValues("molt.accel.eager-start=false");

    private static long count(MoltClient client) {
        return ((Number) ((Map<?, ?>) client.call("stats", Map.of(), SLOW).value()).get("count")).longValue();
    }

    @Test
    void everyPoolsWorkersAnswerTheirWarmupCallsBeforeTheFirstCall() {
        runner.withPropertyValues(TestWorkers.commandProperties(TestWorkers.command()))
                .withPropertyValues(
                        "molt.accel.warmup[0].entry=count",
                        "molt.accel.warmup[0].codec=msgpack",
                        "molt.accel.warmup[0].payload={\"n\": 1}",
                        "molt.accel.warmup[0].count=2",
                        "molt.accel.workers.other.warmup[0].entry=count",
                        "molt.accel.workers.other.warmup[0].codec=msgpack",
                        "molt.accel.workers.other.warmup[1].entry=echo",
                        "molt.accel.workers.other.warmup[1].payload=[1, 2]",
                        "molt.accel.workers.other.worker.cds=false",
                        "molt.accel.workers.other.worker.self-warmup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltAccelProperties p = context.getBean(MoltAccelProperties.class);
                    PoolProperties other = p.pool("other");
                    assertThat(other.getWarmup()).hasSize(2);
                    assertThat(other.getWarmup().get(1).toClientCall().codec()).isEqualTo(Codec.JSON);
                    assertThat(other.getWorker().getCds()).isFalse();
                    assertThat(p.pool("default").getWorker().getCds()).isTrue();
                    assertThat(p.pool("default").getWorker().getSelfWarmup()).isTrue();

                    MoltPools pools = context.getBean(MoltPools.class);
                    assertThat(count(pools.defaultPool())).isEqualTo(2);
                    assertThat(count(pools.pool("other"))).isEqualTo(1);
                });
    }

    @Test
    void aWarmupCallThatCannotBeSentFailsTheStartWithItsKey() {
        runner.withPropertyValues("molt.accel.warmup[0].entry=count", "molt.accel.warmup[0].codec=msgpack",
                "molt.accel.warmup[0].payload={not json").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("warmup[0]");
                });
        runner.withPropertyValues("molt.accel.workers.x.warmup[0].entry=count", "molt.accel.workers.x.warmup[0].codec=yaml")
                .run(context -> assertThat(context).hasFailed());
    }
}
