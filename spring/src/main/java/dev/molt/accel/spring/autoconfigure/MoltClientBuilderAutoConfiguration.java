package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientListener;
import dev.molt.accel.spring.internal.CompositeMoltClientListener;
import dev.molt.accel.spring.internal.PoolListeners;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@code molt.accel.*} properties and the {@link MoltClientBuilderFactory}, also when
 * {@code molt.accel.enabled=false}: an application whose own {@code MoltClient} beans are built
 * with the factory keeps starting when the starter is turned off (those clients start no process
 * until they are called).
 */
@AutoConfiguration(before = MoltAccelAutoConfiguration.class)
@ConditionalOnClass(MoltClient.class)
@EnableConfigurationProperties(MoltAccelProperties.class)
public final class MoltClientBuilderAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MoltClientBuilderFactory moltClientBuilderFactory(MoltAccelProperties properties,
            ObjectProvider<MoltClientBuilderCustomizer> customizers, ObjectProvider<MoltClientListener> listeners,
            ObjectProvider<PoolListeners> poolListeners,
            ObjectProvider<org.springframework.boot.ssl.SslBundles> sslBundles) {
        return new MoltClientBuilderFactory(properties, customizers.orderedStream().toList(),
                CompositeMoltClientListener.of(listeners.orderedStream().toList()),
                () -> poolListeners.orderedStream().toList(),
                name -> sslBundles.getObject().getBundle(name).createSslContext());
    }
}
