package dev.molt.accel.demo;

import dev.molt.accel.spring.actuator.MoltEndpointSection;
import dev.molt.accel.worker.demo.FakeDb;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * The molt-accel demo: the list endpoint of the demo contract (PROTOCOL.md section 12) served
 * in-process ({@code /baseline/}) and offloaded to a worker process ({@code /offload/}), plus
 * {@code /compute/} vs {@code /compute_offload/}, {@code /offload_table/} and {@code /health/}.
 *
 * <p>With nothing configured it serves HTTP/1.1 and h2c on port 8000 and starts the bundled Java
 * worker from its own jar. The simulated database ({@code MOLT_FAKE_DB_DELAY_MS},
 * {@code MOLT_FAKE_DB_DECODE_US_PER_ROW}, {@code MOLT_FAKE_DB_CPU_ITERS}) is read from the
 * environment by the application (for the baseline) and by the worker, which inherits it.
 */
@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }

    /** The simulated database of the in-process endpoints, configured like the worker's. */
    @Bean
    FakeDb fakeDb() {
        return FakeDb.fromEnvironment();
    }

    /** Requests Tomcat refuses before they reach the application get the JSON error body too. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> containerErrorBodies() {
        return factory -> factory.addContextCustomizers(ContainerErrorValve.installer());
    }

    @Bean
    WorkerTimings workerTimings() {
        return new WorkerTimings();
    }

    /** The timings as the {@code workerTimings} section of the starter's {@code /actuator/molt}. */
    @Bean
    MoltEndpointSection workerTimingsSection(WorkerTimings timings) {
        return new MoltEndpointSection() {
            @Override
            public String name() {
                return "workerTimings";
            }

            @Override
            public Object content() {
                return timings.snapshot();
            }
        };
    }

    /** Read-only unless {@code demo.moltworker.reset-enabled=true} (the HTTP benchmark sets it). */
    @Bean
    @ConditionalOnBooleanProperty(name = "demo.moltworker.reset-enabled", havingValue = false, matchIfMissing = true)
    WorkerTimingsEndpoint workerTimingsEndpoint(WorkerTimings timings) {
        return new WorkerTimingsEndpoint(timings);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "demo.moltworker.reset-enabled")
    WorkerTimingsEndpoint.Resettable resettableWorkerTimingsEndpoint(WorkerTimings timings) {
        return new WorkerTimingsEndpoint.Resettable(timings);
    }
}
