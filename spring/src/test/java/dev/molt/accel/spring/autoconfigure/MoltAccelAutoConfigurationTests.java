package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.internal.MicrometerMoltMetrics;
import dev.molt.accel.spring.internal.MoltClientMeterBinder;
import dev.molt.accel.spring.internal.MoltHandlerExceptionResolver;
import dev.molt.accel.spring.internal.MoltWebExceptionHandler;
import dev.molt.accel.spring.internal.MoltWorkerStarter;
import dev.molt.accel.spring.internal.MvcHandlerAdapterPostProcessor;
import dev.molt.accel.spring.internal.MvcOffloadSupport;
import dev.molt.accel.spring.internal.OffloadProxyPostProcessor;
import dev.molt.accel.spring.internal.OffloadRegistry;
import dev.molt.accel.spring.internal.ReactiveOffloadResultHandler;
import dev.molt.accel.spring.internal.ReactiveOffloadSupport;
import dev.molt.accel.spring.internal.ReactiveRequestSizeFilter;
import dev.molt.accel.spring.testsupport.TestWorkers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.FieldError;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.annotation.ResponseStatusExceptionResolver;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;
import org.springframework.web.servlet.mvc.support.DefaultHandlerExceptionResolver;

/** The auto-configuration: beans, conditions, properties and their errors, start-up and shutdown of workers. */
class MoltAccelAutoConfigurationTests {

    private static final AutoConfigurations MOLT = AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class,
            MoltAccelMetricsAutoConfiguration.class, MoltAccelHealthAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(MOLT)
            .withPropertyValues("molt.accel.eager-start=false");

    @Test
    void registersTheCoreBeansWithoutStartingAWorker() {
        Set<Long> before = TestWorkers.descendants();
        runner.run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(MoltClient.class)
                    .hasSingleBean(MoltClientBuilderFactory.class)
                    .hasSingleBean(MoltErrorMapper.class)
                    .hasSingleBean(OffloadRegistry.class)
                    .hasSingleBean(OffloadProxyPostProcessor.class)
                    .hasSingleBean(MoltWorkerStarter.class)
                    .doesNotHaveBean(MvcOffloadSupport.class)
                    .doesNotHaveBean(ReactiveOffloadResultHandler.class)
                    .doesNotHaveBean(MicrometerMoltMetrics.class);
            assertThat(context).getBean("moltHealthContributor").isInstanceOf(CompositeHealthContributor.class);
            assertThat(context.getBean(MoltClient.class).stats().workers()).isZero();
            // no new process; one an earlier test closed may still be on its way out
            assertThat(TestWorkers.descendants()).isSubsetOf(before);
        });
    }

    @Test
    void servletApplicationsGetTheMvcIntegration() {
        new WebApplicationContextRunner()
                .withConfiguration(MOLT)
                .withPropertyValues("molt.accel.eager-start=false")
                .run(context -> {
                    assertThat(context).hasNotFailed()
                            .hasSingleBean(MvcOffloadSupport.class)
                            .hasSingleBean(MvcHandlerAdapterPostProcessor.class)
                            .doesNotHaveBean(ReactiveOffloadSupport.class);
                    // Spring MVC's own chain, between @ExceptionHandler methods and the default resolver
                    List<HandlerExceptionResolver> chain = new ArrayList<>(List.of(new ExceptionHandlerExceptionResolver(),
                            new ResponseStatusExceptionResolver(), new DefaultHandlerExceptionResolver()));
                    context.getBean("moltWebMvcConfigurer", WebMvcConfigurer.class).extendHandlerExceptionResolvers(chain);
                    assertThat(chain).hasSize(4);
                    assertThat(chain.get(1)).isInstanceOf(MoltHandlerExceptionResolver.class);
                });
    }

    @Test
    void reactiveApplicationsGetTheWebFluxIntegration() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(MOLT)
                .withPropertyValues("molt.accel.eager-start=false")
                .run(context -> assertThat(context).hasNotFailed()
                        .hasSingleBean(ReactiveOffloadSupport.class)
                        .hasSingleBean(ReactiveOffloadResultHandler.class)
                        .hasSingleBean(MoltWebExceptionHandler.class)
                        .hasSingleBean(ReactiveRequestSizeFilter.class)
                        .doesNotHaveBean(MvcOffloadSupport.class));
    }

    @Test
    void backsOffFromTheApplicationsOwnBeans() {
        runner.withUserConfiguration(OwnBeans.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(MoltClient.class).hasSingleBean(MoltErrorMapper.class);
            assertThat(context.getBean(MoltClient.class)).isSameAs(context.getBean(OwnBeans.class).client);
            assertThat(context.getBean(MoltErrorMapper.class).exposeDetails()).isTrue();
        });
    }

    @Test
    void metersWhenAMeterRegistryExists() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> assertThat(context)
                .hasSingleBean(MicrometerMoltMetrics.class).hasSingleBean(MoltClientMeterBinder.class));
    }

    @Test
    void noMetersOrHealthWithoutMicrometerOrActuator() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class, HealthIndicator.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MoltClient.class)
                        .doesNotHaveBean(MicrometerMoltMetrics.class).doesNotHaveBean("moltHealthContributor"));
    }

    @Test
    void healthIndicatorCanBeDisabled() {
        runner.withPropertyValues("management.health.molt.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("moltHealthContributor"));
    }

    @Test
    void disabledStarterLeavesMethodsAlone() {
        runner.withPropertyValues("molt.accel.enabled=false").withUserConfiguration(EchoBean.Config.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(MoltClient.class);
                    EchoBean bean = context.getBean(EchoBean.class);
                    assertThat(AopUtils.isAopProxy(bean)).isFalse();
                    assertThat(bean.echo(Map.of("a", 1))).isEqualTo(Map.of("in-process", true));
                });
    }

    @Test
    void bindsTheProperties() {
        runner.withPropertyValues(
                "molt.accel.client-mode=per_request",
                "molt.accel.pool-size=3",
                "molt.accel.timeout=750ms",
                "molt.accel.busy-status=503",
                "molt.accel.expose-details=true",
                "molt.accel.max-request-size=3MB",
                "molt.accel.retry.on-busy=true",
                "molt.accel.retry.backoff=5ms",
                "molt.accel.retry.backoff-max=1s",
                "molt.accel.worker.command-line=molt-worker --stdio --threads 2",
                "molt.accel.worker.wire=json",
                "molt.accel.worker.environment.MOLT_FAKE_DB_DELAY_MS=3",
                "molt.accel.worker.max-frame-size=8MB",
                "molt.accel.worker.start-timeout=5s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltAccelProperties p = context.getBean(MoltAccelProperties.class);
                    assertThat(p.getClientMode()).isEqualTo(ClientMode.PER_REQUEST);
                    assertThat(p.getPoolSize()).isEqualTo(3);
                    assertThat(p.getTimeout()).isEqualTo(Duration.ofMillis(750));
                    assertThat(p.getBusyStatus()).isEqualTo(503);
                    assertThat(p.isExposeDetails()).isTrue();
                    assertThat(p.getMaxRequestSize()).isEqualTo(DataSize.ofMegabytes(3));
                    assertThat(p.getRetry().isOnBusy()).isTrue();
                    assertThat(p.getRetry().getBackoff()).isEqualTo(Duration.ofMillis(5));
                    assertThat(p.getWorker().effectiveCommand()).containsExactly("molt-worker", "--stdio", "--threads", "2");
                    assertThat(p.getWorker().getWire()).isEqualTo(Wire.JSON);
                    assertThat(p.getWorker().getEnvironment()).containsEntry("MOLT_FAKE_DB_DELAY_MS", "3");
                    assertThat(p.getWorker().getMaxFrameSize()).isEqualTo(DataSize.ofMegabytes(8));
                    assertThat(context.getBean(MoltErrorMapper.class).exposeDetails()).isTrue();
                    assertThat(context.getBean(MoltClientBuilderFactory.class).defaultCallOptions().timeout())
                            .isEqualTo(Duration.ofMillis(750));
                });
    }

    @Test
    void badPropertyValuesFailTheStartNamingTheProperty() {
        assertInvalid("molt.accel.busy-status=418", "busyStatus", "must be 429 or 503");
        assertInvalid("molt.accel.pool-size=0", "poolSize", "must be within 1..1024");
        assertInvalid("molt.accel.timeout=-5ms", "timeout", "must not be negative");
        assertInvalid("molt.accel.retry.max-retries=-1", "retry.maxRetries", "must not be negative");
        assertInvalid("molt.accel.retry.backoff-max=1ms", "retry.backoffMax", "must not be less than retry.backoff");
        assertInvalid("molt.accel.worker.start-timeout=0s", "worker.startTimeout", "must be positive");
        assertUnconvertible("molt.accel.client-mode=sometimes", "molt.accel.client-mode");
        assertUnconvertible("molt.accel.worker.wire=xml", "molt.accel.worker.wire");
        assertUnconvertible("molt.accel.timeout=soon", "molt.accel.timeout");
    }

    private void assertInvalid(String property, String field, String reason) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).as(property).hasFailed();
            BindValidationException e = findCause(context.getStartupFailure(), BindValidationException.class);
            assertThat(e).as(property).isNotNull();
            assertThat(e.getValidationErrors().getAllErrors()).as(property).singleElement().satisfies(error -> {
                assertThat(((FieldError) error).getField()).isEqualTo(field);
                assertThat(error.getDefaultMessage()).isEqualTo(reason);
            });
        });
    }

    private void assertUnconvertible(String property, String name) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).as(property).hasFailed();
            BindException bind = findCause(context.getStartupFailure(), BindException.class);
            assertThat(bind).as(property).isNotNull();
            assertThat(bind.getMessage()).contains("'" + name + "'");
        });
    }

    @Test
    void environmentVariablesSetTheProperties() {
        Map<String, String> env = Map.of(
                "MOLT_WORKER_CMD", "/opt/molt/bin/molt-worker --stdio",
                "MOLT_WIRE", "json",
                "MOLT_ACCEL_CLIENT_MODE", "per_request",
                "MOLT_ACCEL_POOL_SIZE", "4",
                "MOLT_ACCEL_RETRY_ON_TIMEOUT", "1",
                "MOLT_ACCEL_RETRY_ON_BUSY", "yes",
                "MOLT_ACCEL_RETRY_BACKOFF_MS", "25",
                "MOLT_ACCEL_RETRY_BACKOFF_MAX_MS", "400");
        runner.withInitializer(c -> MoltEnvironmentPostProcessor.apply((ConfigurableEnvironment) c.getEnvironment(), env))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltAccelProperties p = context.getBean(MoltAccelProperties.class);
                    assertThat(p.getWorker().effectiveCommand()).containsExactly("/opt/molt/bin/molt-worker", "--stdio");
                    assertThat(p.getWorker().getWire()).isEqualTo(Wire.JSON);
                    assertThat(p.getClientMode()).isEqualTo(ClientMode.PER_REQUEST);
                    assertThat(p.getPoolSize()).isEqualTo(4);
                    assertThat(p.getRetry().isOnTimeout()).isTrue();
                    assertThat(p.getRetry().isOnBusy()).isTrue();
                    assertThat(p.getRetry().getBackoff()).isEqualTo(Duration.ofMillis(25));
                    assertThat(p.getRetry().getBackoffMax()).isEqualTo(Duration.ofMillis(400));
                });
        runner.withInitializer(c -> {
                    ConfigurableEnvironment e = (ConfigurableEnvironment) c.getEnvironment();
                    e.getPropertySources().addLast(new MapPropertySource("applicationProperties",
                            Map.of("molt.accel.pool-size", "2")));
                    MoltEnvironmentPostProcessor.apply(e, Map.of("MOLT_ACCEL_POOL_SIZE", "4"));
                })
                .run(context -> assertThat(context.getBean(MoltAccelProperties.class).getPoolSize())
                        .as("application.properties-style values lose against the environment").isEqualTo(4));
        runner.withInitializer(c -> MoltEnvironmentPostProcessor.apply((ConfigurableEnvironment) c.getEnvironment(),
                        Map.of("MOLT_ACCEL_POOL_SIZE", "many")))
                .run(context -> {
                    assertThat(context).hasFailed();
                    BindException bind = findCause(context.getStartupFailure(), BindException.class);
                    assertThat(bind.getProperty().getOrigin()).hasToString("System Environment Property \"MOLT_ACCEL_POOL_SIZE\"");
                });
    }

    @Test
    void invalidAnnotationsFailTheStartNamingTheMethod() {
        assertPlanFailure(BadBeans.EmptyEntry.class, "EmptyEntry.call: entry is required");
        assertPlanFailure(BadBeans.UnknownCodec.class, "UnknownCodec.call: Unknown codec 'xml'");
        assertPlanFailure(BadBeans.PrimitiveReturn.class, "is primitive; return a reference type");
        assertPlanFailure(BadBeans.MissingClient.class, "no bean named 'nope' (client)");
        assertPlanFailure(BadBeans.RetryWithoutIdempotence.class, "retryOnTimeout = TRUE needs idempotent = true");
        assertPlanFailure(BadBeans.TwoHooks.class, "beforeSend and beforeSendClass are both set");
        assertPlanFailure(BadBeans.BusyStatus.class, "busyStatus must be 429 or 503, got 500");
        assertPlanFailure(BadBeans.FutureReturn.class, "is not supported: the call is already asynchronous");
        assertPlanFailure(BadBeans.PerRequestWithClient.class, "cannot be combined with clientMode per_request");
        assertPlanFailure(BadBeans.ReservedEntry.class, "entry '__ping__' is reserved");
    }

    private void assertPlanFailure(Class<?> bean, String message) {
        runner.withBean(bean).run(context -> {
            assertThat(context).hasFailed();
            MoltOffloadConfigurationException e = findCause(context.getStartupFailure(),
                    MoltOffloadConfigurationException.class);
            assertThat(e).as(bean.getSimpleName()).isNotNull();
            assertThat(e.getMessage()).contains(message);
            FailureAnalysis analysis = new MoltOffloadConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains(message);
        });
    }

    @Test
    void aWorkerThatCannotStartDoesNotStopTheApplication() {
        runner.withPropertyValues("molt.accel.eager-start=true", "molt.accel.worker.command=/nonexistent/molt-worker")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MoltClient.class).stats().lastFailure()).contains("Cannot run program");
                });
    }

    @Test
    void failFastFailsTheStartAndTheFailureAnalyzerExplainsIt() {
        runner.withPropertyValues("molt.accel.eager-start=true", "molt.accel.fail-fast=true",
                "molt.accel.worker.command=/nonexistent/molt-worker").run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new MoltWorkerFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).startsWith("The Molt worker executable was not found")
                            .contains("/nonexistent/molt-worker");
                    assertThat(analysis.getAction()).contains("molt.accel.worker.command").contains("MOLT_WORKER_CMD")
                            .contains("molt.accel.fail-fast=false");
                });
    }

    /**
     * With eager start the worker runs once the context is up and answers direct calls; closing the
     * context ends it: no worker process outlives its context.
     */
    @Test
    void eagerStartAndNoProcessOutlivesTheContext() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(TestWorkers.descendants()).isEmpty());
        List<Long> pids = new ArrayList<>();
        runner.withPropertyValues("molt.accel.eager-start=true")
                .withPropertyValues(TestWorkers.commandProperties(TestWorkers.command()))
                .withUserConfiguration(EchoBean.Config.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltClient client = context.getBean(MoltClient.class);
                    assertThat(client.stats().workers()).as("started before any call").isEqualTo(1);
                    pids.addAll(client.stats().pids());
                    assertThat(TestWorkers.descendants()).containsAll(pids);
                    EchoBean bean = context.getBean(EchoBean.class);
                    assertThat(AopUtils.isAopProxy(bean)).isTrue();
                    assertThat(bean.echo(Map.of("a", 1))).isEqualTo(Map.of("a", 1));
                    assertThat(client.stats().calls()).isEqualTo(1);
                });
        assertThat(pids).hasSize(1);
        assertThat(ProcessHandle.of(pids.get(0)).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
    }

    private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        final MoltClient client = MoltClient.builder().command("/nonexistent/own-worker").name("own").build();

        @Bean(destroyMethod = "close")
        MoltClient ownClient() {
            return client;
        }

        @Bean
        MoltErrorMapper ownMapper() {
            return new MoltErrorMapper(true, Duration.ofSeconds(3));
        }
    }

    /** A plain bean with an offloaded method. */
    public static class EchoBean {

        @MoltOffload(entry = "echo", timeoutMs = 10_000)
        public Map<String, Object> echo(Map<String, Object> body) {
            return Map.of("in-process", true);
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            EchoBean echoBean() {
                return new EchoBean();
            }
        }
    }

    /** Beans whose annotations are wrong, one mistake each. */
    static final class BadBeans {
        public static class EmptyEntry {
            @MoltOffload
            public Object call() {
                return null;
            }
        }

        public static class UnknownCodec {
            @MoltOffload(entry = "echo", codec = "xml")
            public Object call() {
                return null;
            }
        }

        public static class PrimitiveReturn {
            @MoltOffload(entry = "count")
            public int call() {
                return 0;
            }
        }

        public static class MissingClient {
            @MoltOffload(entry = "echo", client = "nope")
            public Object call() {
                return null;
            }
        }

        public static class RetryWithoutIdempotence {
            @MoltOffload(entry = "echo", retryOnTimeout = MoltOffload.Flag.TRUE)
            public Object call() {
                return null;
            }
        }

        public static class TwoHooks {
            @MoltOffload(entry = "echo", beforeSend = "x", beforeSendClass = NoopBeforeSend.class)
            public Object call() {
                return null;
            }
        }

        public static class BusyStatus {
            @MoltOffload(entry = "echo", busyStatus = 500)
            public Object call() {
                return null;
            }
        }

        public static class FutureReturn {
            @MoltOffload(entry = "echo")
            public java.util.concurrent.CompletableFuture<Object> call() {
                return null;
            }
        }

        public static class PerRequestWithClient {
            @MoltOffload(entry = "echo", clientMode = "per_request", client = "moltClient")
            public Object call() {
                return null;
            }
        }

        public static class ReservedEntry {
            @MoltOffload(entry = "__ping__")
            public Object call() {
                return null;
            }
        }

        public static class NoopBeforeSend implements dev.molt.accel.spring.MoltBeforeSend {
            @Override
            public void beforeSend(dev.molt.accel.spring.MoltOffloadContext context,
                    dev.molt.accel.protocol.RequestEnvelope request) {
            }
        }

        private BadBeans() {
        }
    }
}
