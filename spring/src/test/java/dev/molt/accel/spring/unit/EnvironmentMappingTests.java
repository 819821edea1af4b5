package dev.molt.accel.spring.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.spring.autoconfigure.MoltEnvironmentPostProcessor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.core.env.StandardEnvironment;

/** PROTOCOL.md section 10 variables become molt.accel.* properties. */
class EnvironmentMappingTests {

    @Test
    void mapsTheVariables() {
        Map<String, Object> p = MoltEnvironmentPostProcessor.propertiesFor(Map.of(
                "MOLT_WORKER_CMD", " molt-worker --stdio ",
                "MOLT_WORKER_WIRE", "json",
                "MOLT_WIRE", "msgpack",
                "MOLT_ACCEL_RETRY_BACKOFF_MS", "25",
                "MOLT_ACCEL_RETRY_BACKOFF_MAX_MS", "2s",
                "UNRELATED", "x"));
        assertThat(p).containsOnlyKeys("molt.accel.worker.command-line", "molt.accel.worker.wire",
                "molt.accel.retry.backoff", "molt.accel.retry.backoff-max");
        assertThat(((OriginTrackedValue) p.get("molt.accel.worker.wire")).getValue()).isEqualTo("json");
        assertThat(((OriginTrackedValue) p.get("molt.accel.worker.command-line")).getValue())
                .isEqualTo("molt-worker --stdio");
        assertThat(((OriginTrackedValue) p.get("molt.accel.retry.backoff")).getValue()).isEqualTo("25ms");
        assertThat(((OriginTrackedValue) p.get("molt.accel.retry.backoff-max")).getValue()).isEqualTo("2s");
        assertThat(((OriginTrackedValue) p.get("molt.accel.retry.backoff")).getOrigin())
                .hasToString("System Environment Property \"MOLT_ACCEL_RETRY_BACKOFF_MS\"");
        assertThat(MoltEnvironmentPostProcessor.propertiesFor(Map.of("MOLT_WIRE", "json")))
                .containsOnlyKeys("molt.accel.worker.wire");
    }

    @Test
    void theSourceSitsRightAfterTheSystemEnvironment() {
        StandardEnvironment env = new StandardEnvironment();
        MoltEnvironmentPostProcessor.apply(env, Map.of("MOLT_ACCEL_POOL_SIZE", "3"));
        var names = env.getPropertySources().stream().map(s -> s.getName()).toList();
        assertThat(names.indexOf(MoltEnvironmentPostProcessor.PROPERTY_SOURCE_NAME))
                .isEqualTo(names.indexOf(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME) + 1);
        assertThat(env.getProperty("molt.accel.pool-size")).isEqualTo("3");
        MoltEnvironmentPostProcessor.apply(env, Map.of());
        assertThat(env.getProperty("molt.accel.pool-size")).isEqualTo("3");
    }
}
