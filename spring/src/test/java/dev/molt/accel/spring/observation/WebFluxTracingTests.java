package dev.molt.accel.spring.observation;

import dev.molt.accel.spring.MoltOffload;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@link TracedCallsTests} on WebFlux (Reactor Netty): the offloaded method returns a {@code Mono},
 * and the server request's observation reaches the call through the Reactor context.
 */
@SpringBootTest(classes = WebFluxTracingTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.main.web-application-type=reactive",
            "management.tracing.sampling.probability=1.0",
            "management.tracing.baggage.remote-fields=tenant",
        })
@AutoConfigureTracing
@DirtiesContext
class WebFluxTracingTests extends TracedCallsTests {

    static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @Override
    InMemorySpanExporter spans() {
        return SPANS;
    }

    /** A WebFlux application with one offloaded {@code Mono} endpoint and spans exported to memory. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(App.Traced.class)
    static class App {

        @Bean
        SpanProcessor inMemorySpanProcessor() {
            return inMemorySpans(SPANS);
        }

        @RestController
        static class Traced {

            @GetMapping(PATH)
            @MoltOffload(entry = "echo_headers", timeoutMs = 30_000)
            public Mono<Map<String, Object>> headers() {
                return Mono.error(new AssertionError("the body of an offloaded method must not run"));
            }
        }
    }
}
