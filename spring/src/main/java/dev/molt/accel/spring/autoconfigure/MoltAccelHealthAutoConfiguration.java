package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.spring.internal.MoltHealthIndicator;
import dev.molt.accel.spring.internal.OffloadRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code molt} health indicator (see {@link MoltHealthIndicator}), when Spring Boot's health
 * support is present; {@code management.health.molt.enabled=false} turns it off.
 */
@AutoConfiguration(after = MoltAccelAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(OffloadRegistry.class)
@ConditionalOnBooleanProperty(name = "molt.accel.enabled", matchIfMissing = true)
@ConditionalOnEnabledHealthIndicator("molt")
public final class MoltAccelHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "moltHealthIndicator")
    MoltHealthIndicator moltHealthIndicator(OffloadRegistry registry, MoltAccelProperties properties) {
        return new MoltHealthIndicator(() -> registry.defaultClient(properties.getClientMode()),
                properties.getHealth().getPingTimeout());
    }
}
