package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.spring.actuator.MoltEndpoint;
import dev.molt.accel.spring.actuator.MoltEndpointSection;
import dev.molt.accel.spring.internal.FailedCallLog;
import dev.molt.accel.spring.internal.ObservedCalls;
import dev.molt.accel.spring.observation.DefaultMoltObservationConvention;
import dev.molt.accel.spring.observation.MoltObservationConvention;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The observation, failed-call log and {@code molt} endpoint auto-configuration and their conditions. */
class ObservabilityAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class,
                    MoltAccelAutoConfiguration.class, MoltAccelObservationAutoConfiguration.class,
                    MoltAccelEndpointAutoConfiguration.class))
            .withPropertyValues("molt.accel.eager-start=false");

    @Test
    void withoutAnObservationRegistryCallsAreNotObservedButFailuresAreLogged() {
        runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(FailedCallLog.class)
                .doesNotHaveBean(ObservedCalls.class));
        runner.withBean(ObservationRegistry.class, ObservationRegistry::create)
                .withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ObservedCalls.class));
    }

    @Test
    void anObservationRegistryObservesCallsWithTheApplicationsConvention() {
        runner.withBean(ObservationRegistry.class, ObservationRegistry::create).run(context -> assertThat(context)
                .hasNotFailed().hasSingleBean(ObservedCalls.class));
        runner.withBean(ObservationRegistry.class, ObservationRegistry::create)
                .withBean(MoltObservationConvention.class, () -> new DefaultMoltObservationConvention() {
                    @Override
                    public String getName() {
                        return "custom";
                    }
                })
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ObservedCalls.class));
    }

    @Test
    void theEndpointExistsOnlyWhenExposedAndCarriesTheApplicationsSections() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MoltEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=health")
                .run(context -> assertThat(context).doesNotHaveBean(MoltEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=molt")
                .withBean(MoltEndpointSection.class, () -> new MoltEndpointSection() {
                    @Override
                    public String name() {
                        return "timings";
                    }

                    @Override
                    public Object content() {
                        return Map.of("p50", 1);
                    }
                })
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(MoltEndpoint.class);
                    Map<String, Object> body = context.getBean(MoltEndpoint.class).molt();
                    assertThat(body).containsEntry("sections", Map.of("timings", Map.of("p50", 1)));
                    assertThat(((Map<?, ?>) body.get("pools")).containsKey("default")).isTrue();
                    assertThat(context.getBean(MoltEndpoint.class).pool("nope")).isNull();
                });
        runner.withPropertyValues("management.endpoints.web.exposure.include=molt", "management.endpoint.molt.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(MoltEndpoint.class));
        runner.withPropertyValues("management.endpoints.web.exposure.include=molt")
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.endpoint.annotation"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MoltEndpoint.class));
    }
}
