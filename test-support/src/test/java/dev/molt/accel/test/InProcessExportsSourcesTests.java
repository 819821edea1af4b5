package dev.molt.accel.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.spring.autoconfigure.MoltAccelAutoConfiguration;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderAutoConfiguration;
import dev.molt.accel.worker.Export;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Where the in-process worker's exports come from: classes, beans, or the bundled exports. */
class InProcessExportsSourcesTests {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MoltInProcessWorkerAutoConfiguration.class,
                    MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class))
            .withPropertyValues("molt.accel.test.in-process=true");

    @Test
    void withNeitherClassesNorBeansTheBundledExportsAreServed() {
        runner.run(context -> {
            MoltClient client = context.getBean(MoltClient.class);
            assertThat(client.exports(Duration.ofSeconds(20)).orElseThrow().find("list_items")).isPresent();
            assertThat(client.call("health", new byte[] {'{', '}'}, CallOptions.builder().codec(Codec.JSON)
                    .timeout(Duration.ofSeconds(20)).build()).value()).isEqualTo(Map.of("ok", true));
            assertThat(ProcessHandle.current().children().count()).as("no worker process").isZero();
        });
    }

    @Test
    void classesAndBeansAreServedTogether() {
        runner.withPropertyValues("molt.accel.test.exports=" + dev.molt.accel.test.worker.TestWorker.class.getName())
                .withBean(MoltInProcessExports.class, () -> b -> b.export(Export.of("from_bean", Codec.MSGPACK,
                        Codec.MSGPACK, Object.class, (p, ctx) -> "bean")))
                .run(context -> {
                    MoltClient client = context.getBean(MoltClient.class);
                    assertThat(client.call("from_bean", Map.of(), SLOW).value()).isEqualTo("bean");
                    assertThat(client.call("reply", Map.of("value", "scripted"), SLOW).value()).isEqualTo("scripted");
                });
    }

    @Test
    void aClassWithoutConfigureIsNamedInTheError() {
        assertThatThrownBy(() -> MoltInProcessWorker.exportsOf(String.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.String has no public static void configure(MoltWorker.Builder)");
        runner.withPropertyValues("molt.accel.test.exports=java.lang.String").run(context ->
                assertThat(context).hasFailed());
    }

    @Test
    void offWithoutTheProperty() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MoltInProcessWorkerAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean("moltInProcessWorkerCustomizer"));
    }
}
