package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientPool;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.MoltPool;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.testsupport.TestWorkers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.FieldError;

/** Named worker pools: binding, inheritance, metadata, selection, failures, beans, enabled=false. */
class NamedPoolsAutoConfigurationTests {

    private static final AutoConfigurations MOLT = AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class,
            MoltAccelAutoConfiguration.class, MoltAccelMetricsAutoConfiguration.class,
            MoltAccelHealthAutoConfiguration.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(MOLT)
            .withPropertyValues("molt.accel.eager-start=false");

    @Test
    void namedPoolsBindAndTakeTheDefaultPoolsValuesTheyLeaveUnset() {
        runner.withPropertyValues(
                "molt.accel.timeout=750ms",
                "molt.accel.retry.on-busy=true",
                "molt.accel.worker.command-line=molt-worker --stdio",
                "molt.accel.worker.environment.A=1",
                "molt.accel.worker.start-timeout=7s",
                "molt.accel.workers.py.pool-size=3",
                "molt.accel.workers.py.worker.command=python3,worker.py",
                "molt.accel.workers.py.worker.wire=json",
                "molt.accel.workers.py.retry.max-retries=5",
                "molt.accel.workers.py.recycle.max-calls=2000",
                "molt.accel.workers.py.spare-workers=1",
                "molt.accel.workers.bundled-2.eager-start=true",
                "molt.accel.workers.bundled-2.client-mode=per_request")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltAccelProperties p = context.getBean(MoltAccelProperties.class);
                    assertThat(p.poolNames()).containsExactly("default", "py", "bundled-2");

                    PoolProperties py = p.pool("py");
                    assertThat(py.getPoolSize()).isEqualTo(3);
                    assertThat(py.getWorker().effectiveCommand()).as("its own command wins over the default's line")
                            .containsExactly("python3", "worker.py");
                    assertThat(py.getWorker().getWire()).isEqualTo(Wire.JSON);
                    assertThat(py.getRetry().getMaxRetries()).isEqualTo(5);
                    assertThat(py.getRecycle().getMaxCalls()).isEqualTo(2000);
                    assertThat(py.getSpareWorkers()).isEqualTo(1);
                    assertThat(py.getTimeout()).as("inherited").isEqualTo(Duration.ofMillis(750));
                    assertThat(py.getRetry().getOnBusy()).as("inherited").isTrue();
                    assertThat(py.getWorker().getEnvironment()).as("inherited").containsEntry("A", "1");
                    assertThat(py.getWorker().getStartTimeout()).as("inherited").isEqualTo(Duration.ofSeconds(7));
                    assertThat(py.getEagerStart()).as("inherited").isFalse();
                    assertThat(py.getRecycle().getJitter()).as("inherited").isEqualTo(0.1);

                    PoolProperties bundled = p.pool("bundled-2");
                    assertThat(bundled.getWorker().effectiveCommand()).containsExactly("molt-worker", "--stdio");
                    assertThat(bundled.getPoolSize()).isEqualTo(1);
                    assertThat(bundled.getEagerStart()).isTrue();
                    assertThat(bundled.getClientMode()).isEqualTo(ClientMode.PER_REQUEST);

                    MoltPools pools = context.getBean(MoltPools.class);
                    assertThat(pools.names()).containsExactly("default", "py", "bundled-2");
                    assertThat(pools.defaultPool()).isSameAs(context.getBean(MoltClient.class));
                    assertThat(pools.pool("py")).isInstanceOf(MoltClientPool.class)
                            .satisfies(c -> assertThat(((MoltClientPool) c).size()).isEqualTo(3));
                    assertThat(pools.pool("py")).as("one client per pool").isSameAs(pools.pool("py"));
                    assertThat(pools.pool("py").defaultOptions().timeout()).isEqualTo(Duration.ofMillis(750));
                    assertThat(pools.pool("py").defaultOptions().maxRetries()).isEqualTo(5);
                    assertThat(pools.pool("py").stats().workers()).as("no process started").isZero();
                    assertThatThrownBy(() -> pools.pool("nope")).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("no worker pool 'nope'")
                            .hasMessageContaining("default, py, bundled-2");
                });
    }

    @Test
    void poolNamesAndValuesAreValidatedNamingTheProperty() {
        assertInvalid("molt.accel.workers[Py_x].pool-size=2", "workers", "may only contain lower-case letters");
        assertInvalid("molt.accel.workers.default.pool-size=2", "workers", "is reserved for the pool configured by");
        assertInvalid("molt.accel.workers.py.pool-size=0", "workers[py].poolSize", "must be within 1..1024");
        assertInvalid("molt.accel.workers.py.worker.start-timeout=0s", "workers[py].worker.startTimeout",
                "must be positive");
        assertInvalid("molt.accel.workers.py.retry.backoff=1s", "workers[py].retry.backoffMax",
                "must not be less than retry.backoff");
        assertInvalid("molt.accel.workers.py.recycle.jitter=1.5", "workers[py].recycle.jitter", "must be within 0");
    }

    private void assertInvalid(String property, String field, String reason) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).as(property).hasFailed();
            BindValidationException e = findCause(context.getStartupFailure(), BindValidationException.class);
            assertThat(e).as(property).isNotNull();
            assertThat(e.getValidationErrors().getAllErrors()).as(property).singleElement().satisfies(error -> {
                assertThat(((FieldError) error).getField()).isEqualTo(field);
                assertThat(error.getDefaultMessage()).contains(reason);
            });
            assertThat(e.getMessage()).as(property).contains(reason);
        });
    }

    @Test
    void theConfigurationProcessorDescribesTheWorkersMap() throws Exception {
        Map<String, Object> metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new ObjectMapper().readValue(in, Map.class);
            metadata = m;
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> properties = (List<Map<String, Object>>) metadata.get("properties");
        assertThat(properties).anySatisfy(p -> {
            assertThat(p.get("name")).isEqualTo("molt.accel.workers");
            assertThat(p.get("type")).isEqualTo(
                    "java.util.Map<java.lang.String,dev.molt.accel.spring.autoconfigure.PoolProperties>");
            assertThat((String) p.get("description")).contains("Named worker pools");
        });
        assertThat(properties).extracting(p -> p.get("name")).contains("molt.accel.spare-workers",
                "molt.accel.recycle.max-calls", "molt.accel.recycle.jitter", "molt.accel.health.interval");
    }

    @Test
    void anUnknownPoolFailsTheStartNamingTheMethodAndThePools() {
        runner.withPropertyValues("molt.accel.workers.py.pool-size=2").withBean(UnknownPool.class).run(context -> {
            assertThat(context).hasFailed();
            MoltOffloadConfigurationException e = findCause(context.getStartupFailure(),
                    MoltOffloadConfigurationException.class);
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains(UnknownPool.class.getName() + ".call")
                    .contains("unknown worker pool 'nope'").contains("the pools are default, py")
                    .contains("molt.accel.workers.nope.");
            FailureAnalysis analysis = new MoltOffloadConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("unknown worker pool 'nope'");
        });
        runner.withPropertyValues("molt.accel.workers.py.pool-size=2").withBean(PoolAndClient.class)
                .run(context -> assertThat(findCause(context.getStartupFailure(), MoltOffloadConfigurationException.class))
                        .hasMessageContaining("worker = \"py\" and client = \"moltClient\" are both set"));
    }

    @Test
    void aDisabledStarterStartsWithPoolsAnnotatedMethodsAndBeansBuiltFromTheFactory() {
        runner.withPropertyValues("molt.accel.enabled=false", "molt.accel.workers.py.pool-size=2")
                .withUserConfiguration(BeanPool.class)
                .withBean(OnPool.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(MoltPools.class)
                            .hasSingleBean(MoltClientBuilderFactory.class);
                    OnPool bean = context.getBean(OnPool.class);
                    assertThat(AopUtils.isAopProxy(bean)).isFalse();
                    assertThat(bean.call()).as("the body runs in-process").isEqualTo("in-process");
                    assertThat(context.getBean("reportsPool", MoltClient.class).stats().workers())
                            .as("nothing started").isZero();
                });
    }

    /**
     * A {@code @MoltPool} bean is a pool: selected by name, in health and gauges, started eagerly,
     * and the auto-configured default pool stays; a call through it reaches a real worker.
     */
    @Test
    void aMoltPoolBeanIsAPoolNextToTheDefaultOne() {
        runner.withPropertyValues(TestWorkers.commandProperties(TestWorkers.command()))
                .withPropertyValues("molt.accel.workers.reports.eager-start=true")
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withUserConfiguration(BeanPool.class)
                .withBean(OnPool.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltPools pools = context.getBean(MoltPools.class);
                    MoltClient reports = context.getBean("reportsPool", MoltClient.class);
                    assertThat(pools.names()).containsExactly("default", "reports");
                    assertThat(pools.pool("reports")).isSameAs(reports);
                    assertThat(pools.defaultPool()).isSameAs(context.getBean(MoltClient.class)).isNotSameAs(reports);
                    assertThat(reports.stats().workers()).as("eager start of that pool").isEqualTo(1);
                    assertThat(pools.defaultPool().stats().workers()).as("the default pool is not eager here").isZero();

                    assertThat(context.getBean(OnPool.class).call()).isEqualTo(Map.of("n", 1));
                    assertThat(reports.stats().calls()).isEqualTo(1);

                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    // no metrics auto-configuration here to bind the binders: bind it as Boot would
                    context.getBean(dev.molt.accel.spring.internal.MoltClientMeterBinder.class).bindTo(meters);
                    assertThat(meters.get("molt.accel.workers").tag("worker", "reports").gauge().value()).isEqualTo(1);
                    assertThat(meters.get("molt.accel.workers").tag("worker", "default").gauge().value()).isZero();
                    // the listener hears of the call on the client's callback thread, maybe after the answer
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.find("molt.accel.calls")
                            .tag("worker", "reports").tag("entry", "echo").timer()).isNotNull()
                            .satisfies(t -> assertThat(t.count()).isEqualTo(1)));
                    CompositeHealthContributor molt = context.getBean("moltHealthContributor",
                            CompositeHealthContributor.class);
                    assertThat(((HealthIndicator) molt.getContributor("reports")).health().getStatus())
                            .isEqualTo(Status.UP);
                    assertThat(molt.getContributor("default")).isNotNull();
                });
    }

    /** A pool whose worker cannot start: its component is DOWN with a reason code, the others stay UP. */
    @Test
    void aPoolThatCannotStartIsDownOnItsOwnAndFailFastIsPerPool() {
        runner.withPropertyValues(TestWorkers.commandProperties(TestWorkers.command()))
                .withPropertyValues("molt.accel.eager-start=true",
                        "molt.accel.workers.broken.worker.command=/nonexistent/molt-worker",
                        "molt.accel.workers.broken.worker.start-timeout=5s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltPools pools = context.getBean(MoltPools.class);
                    assertThat(pools.defaultPool().stats().workers()).isEqualTo(1);
                    assertThat(pools.pool("broken").stats().lastFailure()).contains("Cannot run program");
                    CompositeHealthContributor molt = context.getBean("moltHealthContributor",
                            CompositeHealthContributor.class);
                    var broken = ((HealthIndicator) molt.getContributor("broken")).health();
                    assertThat(broken.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(broken.getDetails()).containsEntry("reason", "worker_unavailable");
                    assertThat(broken.getDetails().toString()).doesNotContain("nonexistent").doesNotContain("/");
                    assertThat(((HealthIndicator) molt.getContributor("default")).health().getStatus())
                            .isEqualTo(Status.UP);
                });
        runner.withPropertyValues(TestWorkers.commandProperties(TestWorkers.command()))
                .withPropertyValues("molt.accel.eager-start=true", "molt.accel.workers.broken.fail-fast=true",
                        "molt.accel.workers.broken.worker.command=/nonexistent/molt-worker")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new MoltWorkerFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("/nonexistent/molt-worker");
                });
    }

    private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** An annotated method naming a pool nobody declares. */
    public static class UnknownPool {
        @MoltOffload(entry = "echo", worker = "nope")
        public Object call() {
            return null;
        }
    }

    /** An annotated method naming a pool and a client bean. */
    public static class PoolAndClient {
        @MoltOffload(entry = "echo", worker = "py", client = "moltClient")
        public Object call() {
            return null;
        }
    }

    /** An annotated method on the {@code reports} pool. */
    public static class OnPool {
        @MoltOffload(entry = "echo", worker = "reports", timeoutMs = 10_000, payloadBuilder = OneBuilder.class)
        public Object call() {
            return "in-process";
        }
    }

    /** The payload {@code {"n": 1}}. */
    public static class OneBuilder implements dev.molt.accel.spring.MoltPayloadBuilder {
        @Override
        public Object build(dev.molt.accel.spring.MoltOffloadContext context) {
            return Map.of("n", 1);
        }
    }

    /** A pool built by the application, registered with {@code @MoltPool}. */
    @Configuration(proxyBeanMethods = false)
    static class BeanPool {
        @Bean(defaultCandidate = false)
        @MoltPool("reports")
        MoltClient reportsPool(MoltClientBuilderFactory builders) {
            return builders.newBuilder("reports").command(TestWorkers.command()).build();
        }
    }
}
