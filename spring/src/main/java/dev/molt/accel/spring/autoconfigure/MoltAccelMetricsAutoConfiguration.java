package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.spring.internal.MicrometerMoltMetrics;
import dev.molt.accel.spring.internal.MoltClientMeterBinder;
import dev.molt.accel.spring.internal.OffloadRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.util.function.SingletonSupplier;

/**
 * Micrometer meters of offloaded calls (see {@link MicrometerMoltMetrics}) and gauges of the shared
 * client, when the application has a {@link MeterRegistry}. The meters are a
 * {@code MoltClientListener} bean, so the auto-configured clients report to them.
 */
@AutoConfiguration(after = MoltAccelAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration",
})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeterRegistry.class, OffloadRegistry.class})
@ConditionalOnBooleanProperty(name = "molt.accel.enabled", matchIfMissing = true)
public final class MoltAccelMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MicrometerMoltMetrics moltMicrometerMetrics(MeterRegistry registry) {
        return new MicrometerMoltMetrics(registry);
    }

    @Bean
    @ConditionalOnMissingBean
    MoltClientMeterBinder moltClientMeterBinder(ObjectProvider<OffloadRegistry> registry) {
        return new MoltClientMeterBinder(SingletonSupplier.of(registry::getObject));
    }
}
