package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.internal.MoltHandlerExceptionResolver;
import dev.molt.accel.spring.internal.MoltPoolRegistry;
import dev.molt.accel.spring.internal.MoltRequestErrorResolver;
import dev.molt.accel.spring.internal.MoltWebExceptionHandler;
import dev.molt.accel.spring.internal.MoltWorkerStarter;
import dev.molt.accel.spring.internal.MvcHandlerAdapterPostProcessor;
import dev.molt.accel.spring.internal.MvcOffloadSupport;
import dev.molt.accel.spring.internal.MvcRequestSizeFilter;
import dev.molt.accel.spring.internal.MvcRequestSizeInterceptor;
import dev.molt.accel.spring.internal.OffloadProxyPostProcessor;
import dev.molt.accel.spring.internal.OffloadRegistry;
import dev.molt.accel.spring.internal.OffloadWebSupport;
import dev.molt.accel.spring.internal.ReactiveOffloadResultHandler;
import dev.molt.accel.spring.internal.ReactiveOffloadSupport;
import dev.molt.accel.spring.internal.ReactiveRequestSizeFilter;
import dev.molt.accel.spring.internal.WorkerMetricsRecorder;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.reactive.HandlerResultHandler;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import reactor.core.publisher.Mono;

/**
 * Auto-configuration of {@code @MoltOffload}: the default pool's {@link MoltClient} (closed with the
 * context), the worker pools ({@link dev.molt.accel.spring.MoltPools}), the offload proxies and the Spring MVC or WebFlux integration. Meters and the health
 * indicator live in {@link MoltAccelMetricsAutoConfiguration} and
 * {@link MoltAccelHealthAutoConfiguration}, so that applications without Micrometer or Actuator
 * never load their classes. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(after = MoltClientBuilderAutoConfiguration.class)
@ConditionalOnClass(MoltClient.class)
@ConditionalOnBooleanProperty(name = "molt.accel.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MoltAccelProperties.class)
public final class MoltAccelAutoConfiguration {

    /**
     * The default pool's client. An application {@code MoltClient} bean replaces it; beans declared
     * with {@code @Bean(defaultCandidate = false)} (such as {@code @MoltPool} beans) do not.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(MoltClient.class)
    MoltClient moltClient(MoltClientBuilderFactory builders) {
        return builders.newBuilder().build();
    }

    @Bean
    @ConditionalOnMissingBean
    MoltPoolRegistry moltPools(ConfigurableListableBeanFactory beanFactory, MoltAccelProperties properties,
            MoltClientBuilderFactory builders, ObjectProvider<MoltClient> clients) {
        return new MoltPoolRegistry(beanFactory, properties, builders, clients);
    }

    @Bean
    @ConditionalOnMissingBean
    MoltErrorMapper moltErrorMapper(MoltAccelProperties properties) {
        return new MoltErrorMapper(properties.isExposeDetails(), properties.getRetryAfter());
    }

    @Bean
    @ConditionalOnMissingBean
    OffloadRegistry moltOffloadRegistry(ConfigurableListableBeanFactory beanFactory, MoltAccelProperties properties,
            ObjectProvider<WorkerMetricsRecorder> recorder, MoltPoolRegistry pools, ObjectProvider<OffloadWebSupport> web) {
        return new OffloadRegistry(beanFactory, properties, recorder.getIfUnique(), pools, web.getIfUnique());
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean
    static OffloadProxyPostProcessor moltOffloadProxyPostProcessor() {
        return new OffloadProxyPostProcessor();
    }

    @Bean
    @ConditionalOnMissingBean
    MoltWorkerStarter moltWorkerStarter(OffloadRegistry registry, MoltAccelProperties properties) {
        return new MoltWorkerStarter(registry, properties);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(DispatcherServlet.class)
    static class ServletOffloadConfiguration {

        @Bean
        @ConditionalOnMissingBean
        MvcOffloadSupport moltMvcOffloadSupport(MoltAccelProperties properties) {
            return new MvcOffloadSupport(properties.isDirectAnswers());
        }

        @Bean
        @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
        @ConditionalOnMissingBean
        static MvcHandlerAdapterPostProcessor moltMvcHandlerAdapterPostProcessor() {
            return new MvcHandlerAdapterPostProcessor();
        }

        @Bean
        @ConditionalOnMissingBean
        MoltRequestErrorResolver moltRequestErrorResolver() {
            return new MoltRequestErrorResolver();
        }

        @Bean
        @ConditionalOnMissingBean
        MvcRequestSizeFilter moltRequestSizeFilter() {
            return new MvcRequestSizeFilter();
        }

        @Bean
        @ConditionalOnMissingBean(name = "moltWebMvcConfigurer")
        WebMvcConfigurer moltWebMvcConfigurer(ObjectProvider<OffloadRegistry> registry, MoltErrorMapper mapper,
                MoltAccelProperties properties) {
            long max = properties.getMaxRequestSize().toBytes();
            MoltHandlerExceptionResolver errors = new MoltHandlerExceptionResolver(mapper, properties.getBusyStatus());
            return new WebMvcConfigurer() {
                @Override
                public void addInterceptors(InterceptorRegistry interceptors) {
                    interceptors.addInterceptor(
                            new MvcRequestSizeInterceptor(SingletonSupplier.of(registry::getObject), max));
                }

                @Override
                public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
                    errors.insertInto(resolvers);
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass({DispatcherHandler.class, Mono.class})
    static class ReactiveOffloadConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ReactiveOffloadSupport moltReactiveOffloadSupport() {
            return new ReactiveOffloadSupport();
        }

        @Bean
        @ConditionalOnMissingBean
        ReactiveOffloadResultHandler moltReactiveOffloadResultHandler(ObjectProvider<OffloadRegistry> registry,
                ObjectProvider<HandlerResultHandler> handlers) {
            return new ReactiveOffloadResultHandler(SingletonSupplier.of(registry::getObject), handlers);
        }

        @Bean
        @ConditionalOnMissingBean
        MoltWebExceptionHandler moltWebExceptionHandler(MoltErrorMapper mapper, MoltAccelProperties properties) {
            return new MoltWebExceptionHandler(mapper, properties.getBusyStatus());
        }

        @Bean
        @ConditionalOnMissingBean
        ReactiveRequestSizeFilter moltReactiveRequestSizeFilter(ObjectProvider<OffloadRegistry> registry,
                MoltAccelProperties properties) {
            return new ReactiveRequestSizeFilter(SingletonSupplier.of(registry::getObject),
                    properties.getMaxRequestSize().toBytes());
        }
    }
}
