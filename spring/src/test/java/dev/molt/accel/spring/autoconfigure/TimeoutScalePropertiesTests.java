package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.internal.OffloadRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code molt.accel.timeout-scale}: every deadline, annotation values included, and its validation. */
class TimeoutScalePropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class))
            .withPropertyValues("molt.accel.eager-start=false")
            .withBean(Slow.class);

    @Test
    void scalesAnnotationValuesPropertyTimeoutsAndStartTimeouts() {
        runner.withPropertyValues("molt.accel.timeout-scale=4", "molt.accel.timeout=250ms").run(context -> {
            assertThat(context).hasNotFailed();
            OffloadRegistry registry = context.getBean(OffloadRegistry.class);
            assertThat(registry.plan(Slow.class.getMethod("annotated", Map.class)).baseOptions().timeout())
                    .isEqualTo(Duration.ofMillis(400));
            assertThat(registry.plan(Slow.class.getMethod("byProperty", Map.class)).baseOptions().timeout())
                    .isEqualTo(Duration.ofSeconds(1));
            assertThat(registry.plan(Slow.class.getMethod("noDeadline", Map.class)).baseOptions().timeout())
                    .as("zero means no deadline and stays zero").isZero();
            assertThat(context.getBean(MoltClient.class).defaultOptions().timeout()).isEqualTo(Duration.ofSeconds(1));
            MoltAccelProperties p = context.getBean(MoltAccelProperties.class);
            assertThat(p.scaled(Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(80));
        });
    }

    @Test
    void unscaledByDefault() {
        runner.run(context -> assertThat(context.getBean(OffloadRegistry.class)
                .plan(Slow.class.getMethod("annotated", Map.class)).baseOptions().timeout()).isEqualTo(Duration.ofMillis(100)));
    }

    @Test
    void aScaleOutOfRangeFailsTheStartNamingTheProperty() {
        for (String bad : new String[] {"0", "-1", "1001", "NaN"}) {
            runner.withPropertyValues("molt.accel.timeout-scale=" + bad).run(context -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("timeoutScale");
            });
        }
    }

    public static class Slow {
        @MoltOffload(entry = "compute", timeoutMs = 100)
        public Map<String, Object> annotated(Map<String, Object> q) {
            return Map.of();
        }

        @MoltOffload(entry = "compute")
        public Map<String, Object> byProperty(Map<String, Object> q) {
            return Map.of();
        }

        @MoltOffload(entry = "compute", timeoutMs = 0)
        public Map<String, Object> noDeadline(Map<String, Object> q) {
            return Map.of();
        }
    }
}
