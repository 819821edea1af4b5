package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * At start-up the @MoltOffload entries and codecs are checked against the exports the pool's worker
 * serves ({@code __exports__}), here a real TestWorker process.
 */
@ExtendWith(OutputCaptureExtension.class)
class ExportsCheckTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class))
            .withPropertyValues(TestWorkers.commandProperties(TestWorkers.command()))
            .withPropertyValues("molt.accel.eager-start=true", "molt.accel.worker.start-timeout=30s");

    @Test
    void aMisconfiguredEntryOrCodecFailsAFailFastStartNamingMethodEntryAndExports() {
        java.util.Set<Long> before = TestWorkers.descendants();
        runner.withUserConfiguration(Misconfigured.class).withPropertyValues("molt.accel.fail-fast=true").run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            while (failure != null && !(failure instanceof MoltOffloadConfigurationException)) {
                failure = failure.getCause();
            }
            assertThat(failure).isNotNull();
            assertThat(failure.getMessage())
                    .contains("@MoltOffload on " + Offloaded.class.getName() + ".missing: entry 'lits_items' is not served")
                    .contains(Offloaded.class.getName() + ".wrongCodec: entry 'list_items' is called with codec json "
                            + "but takes msgpack")
                    .contains(Offloaded.class.getName() + ".wrongCodecOut: entry 'compute' expects results in codec "
                            + "json (codecOut) but answers msgpack")
                    .contains("The worker of pool 'default' serves: ")
                    .contains("list_items (msgpack -> json)")
                    .doesNotContain(".fine:");
        });
        TestWorkers.awaitOnlyDescendants(before);
    }

    @Test
    void withoutFailFastTheApplicationStartsAndTheProblemIsLoggedAtWarn(CapturedOutput output) {
        java.util.Set<Long> before = TestWorkers.descendants();
        runner.withUserConfiguration(Misconfigured.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output.getOut() + output.getErr()).contains("WARN")
                    .contains(Offloaded.class.getName() + ".missing: entry 'lits_items' is not served")
                    .contains("fail-fast is off");
        });
        TestWorkers.awaitOnlyDescendants(before);
    }

    @Test
    void aMatchingConfigurationStartsQuietly(CapturedOutput output) {
        java.util.Set<Long> before = TestWorkers.descendants();
        runner.withUserConfiguration(WellConfigured.class).withPropertyValues("molt.accel.fail-fast=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(output.getOut() + output.getErr()).doesNotContain("is not served");
        });
        TestWorkers.awaitOnlyDescendants(before);
    }

    @Configuration(proxyBeanMethods = false)
    static class Misconfigured {
        @Bean
        Offloaded offloaded() {
            return new Offloaded();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WellConfigured {
        @Bean
        Fine fine() {
            return new Fine();
        }
    }

    public static class Offloaded {
        @MoltOffload(entry = "lits_items")
        public Map<String, Object> missing(Map<String, Object> q) {
            return Map.of();
        }

        @MoltOffload(entry = "list_items", codec = "json")
        public Map<String, Object> wrongCodec(Map<String, Object> q) {
            return Map.of();
        }

        @MoltOffload(entry = "compute", codecOut = "json")
        public Map<String, Object> wrongCodecOut(Map<String, Object> q) {
            return Map.of();
        }

        @MoltOffload(entry = "echo", codec = "json")
        public Map<String, Object> fine(Map<String, Object> q) {
            return Map.of();
        }
    }

    public static class Fine {
        @MoltOffload(entry = "list_items")
        public Map<String, Object> list(Map<String, Object> q) {
            return Map.of();
        }

        @MoltOffload(entry = "echo", codec = "json")
        public Map<String, Object> echo(Map<String, Object> q) {
            return Map.of();
        }
    }
}
