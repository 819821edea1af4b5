package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.spring.actuator.MoltEndpoint;
import dev.molt.accel.spring.actuator.MoltEndpointSection;
import dev.molt.accel.spring.internal.FailedCallLog;
import dev.molt.accel.spring.internal.OffloadRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code molt} Actuator endpoint ({@link MoltEndpoint}), when Actuator is on the class path and
 * the endpoint is available (enabled and exposed on some technology: over HTTP only when
 * {@code management.endpoints.web.exposure.include} names it, as for every endpoint but health).
 */
@AutoConfiguration(after = {MoltAccelAutoConfiguration.class, MoltAccelObservationAutoConfiguration.class})
@ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
    "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
@ConditionalOnBean(OffloadRegistry.class)
@ConditionalOnBooleanProperty(name = "molt.accel.enabled", matchIfMissing = true)
@ConditionalOnAvailableEndpoint(MoltEndpoint.class)
public final class MoltAccelEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MoltEndpoint moltEndpoint(OffloadRegistry registry, MoltAccelProperties properties,
            ObjectProvider<FailedCallLog> failures, ObjectProvider<MoltEndpointSection> sections) {
        return new MoltEndpoint(registry.pools(), properties, failures.getIfUnique(), sections.orderedStream().toList());
    }
}
