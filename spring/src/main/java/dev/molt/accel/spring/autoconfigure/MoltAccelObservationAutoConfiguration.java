package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.spring.internal.FailedCallLog;
import dev.molt.accel.spring.internal.ObservedCalls;
import dev.molt.accel.spring.internal.OffloadRegistry;
import dev.molt.accel.spring.observation.MoltObservationConvention;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Diagnosis of offloaded calls: the rate-limited log of failed calls ({@link FailedCallLog}), and,
 * when the application has an {@link ObservationRegistry}, one Micrometer observation per call
 * ({@link ObservedCalls}, named by the {@link MoltObservationConvention} bean if there is one) whose
 * trace context travels in the request's headers. Without Micrometer's observation API on the class
 * path this loads none of its classes.
 */
@AutoConfiguration(after = MoltAccelAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnBean(OffloadRegistry.class)
@ConditionalOnBooleanProperty(name = "molt.accel.enabled", matchIfMissing = true)
public final class MoltAccelObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    FailedCallLog moltFailedCallLog() {
        return new FailedCallLog();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ObservationRegistry.class)
    @ConditionalOnBean(ObservationRegistry.class)
    static class CallObservationConfiguration {

        /** Also makes the offloader call through it. */
        @Bean
        @ConditionalOnMissingBean
        ObservedCalls moltObservedCalls(ObservationRegistry registry,
                ObjectProvider<MoltObservationConvention> convention, OffloadRegistry offloads) {
            ObservedCalls calls = new ObservedCalls(registry, convention.getIfUnique());
            offloads.offloader().observeWith(calls);
            return calls;
        }
    }
}
