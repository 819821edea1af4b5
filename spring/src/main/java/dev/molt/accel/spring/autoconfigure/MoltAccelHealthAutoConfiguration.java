package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.spring.internal.CallOutcomeTrackers;
import dev.molt.accel.spring.internal.MoltHealthIndicator;
import dev.molt.accel.spring.internal.MoltPoolRegistry;
import dev.molt.accel.spring.internal.MoltReadinessGroup;
import dev.molt.accel.spring.internal.OffloadRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The {@code molt} health contributor, one component per worker pool ({@code default} and each
 * named pool, see {@link MoltHealthIndicator}), and the call outcome trackers they read, when Spring Boot's health support is present; {@code management.health.molt.enabled=false}
 * turns it off. With the availability probes on, {@code molt} joins the {@code readiness} group
 * unless the application lists that group's members itself; it never joins {@code liveness}.
 */
@AutoConfiguration(after = MoltAccelAutoConfiguration.class,
        afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(OffloadRegistry.class)
@ConditionalOnBooleanProperty(name = "molt.accel.enabled", matchIfMissing = true)
@ConditionalOnEnabledHealthIndicator("molt")
public final class MoltAccelHealthAutoConfiguration {

    private static final String READINESS_INCLUDE = "management.endpoint.health.group.readiness.include";

    @Bean
    @ConditionalOnMissingBean
    CallOutcomeTrackers moltCallOutcomeTrackers(MoltAccelProperties properties) {
        return new CallOutcomeTrackers(pool -> properties.pool(pool).getHealth().getFailureThreshold());
    }

    /** The {@code molt} contributor: one {@link MoltHealthIndicator} per pool, named after it. */
    @Bean
    @ConditionalOnMissingBean(name = "moltHealthContributor")
    CompositeHealthContributor moltHealthContributor(OffloadRegistry registry, MoltAccelProperties properties,
            CallOutcomeTrackers calls) {
        MoltPoolRegistry pools = registry.pools();
        Map<String, HealthIndicator> components = new LinkedHashMap<>();
        for (String name : pools.names()) {
            components.put(name, new MoltHealthIndicator(name, () -> pools.pool(name),
                    properties.pool(name).getHealth().getPingTimeout(), calls.forPool(name)));
        }
        return CompositeHealthContributor.fromMap(components);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(value = HealthEndpointGroupsPostProcessor.class,
            name = "org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper")
    static class ReadinessGroupConfiguration {

        /** Members the application chose for the readiness group win: then this adds nothing. */
        @Bean
        @ConditionalOnMissingBean
        MoltReadinessGroup moltReadinessGroup(Environment environment) {
            return new MoltReadinessGroup(!environment.containsProperty(READINESS_INCLUDE));
        }
    }
}
