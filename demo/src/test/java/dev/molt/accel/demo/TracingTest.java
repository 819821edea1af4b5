package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.molt.accel.client.MoltClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's tracing, as configured (OpenTelemetry bridge, every request sampled), with the spans
 * collected in memory instead of exported: the HTTP server span is the parent of the molt call's
 * CLIENT span, and the worker received that span's own context (its request log, turned on here,
 * records the trace id and parent id of the traceparent it got). No exporter is configured, so
 * nothing tries to connect anywhere.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "molt.accel.worker.environment[MOLT_WORKER_REQUEST_LOG]=json",
})
@AutoConfigureTracing
@Import(TracingTest.InMemorySpans.class)
class TracingTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TestConfiguration(proxyBeanMethods = false)
    static class InMemorySpans {
        static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

        /** A processor, not an exporter bean: exported at once, and no exporter for Boot to batch. */
        @Bean
        SpanProcessor inMemorySpanProcessor() {
            return SimpleSpanProcessor.create(SPANS);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Autowired
    MoltClient client;

    @Test
    @SuppressWarnings("unchecked")
    void theServerSpanIsTheParentOfTheCallSpanWhoseContextReachedTheWorker() {
        assertThat(context.getBeansOfType(SpanExporter.class)).as("no exporter: nothing connects anywhere").isEmpty();
        Logger stderr = (Logger) LoggerFactory.getLogger("dev.molt.accel.worker.stderr.default");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        stderr.addAppender(lines);
        try {
            // retried until a 200: a cold worker on a busy machine may miss the endpoint's deadline at first
            Http.getUntilOk(port, "/offload/?user_id=5&limit=2");
            await().atMost(Duration.ofSeconds(10)).until(() -> okCall(InMemorySpans.SPANS.getFinishedSpanItems()) != null);
            List<SpanData> spans = InMemorySpans.SPANS.getFinishedSpanItems();
            SpanData call = okCall(spans);
            await().atMost(Duration.ofSeconds(10)).until(() -> InMemorySpans.SPANS.getFinishedSpanItems().stream()
                    .anyMatch(s -> s.getSpanId().equals(call.getParentSpanId())));
            SpanData server = InMemorySpans.SPANS.getFinishedSpanItems().stream()
                    .filter(s -> s.getSpanId().equals(call.getParentSpanId())).findFirst().orElseThrow();
            assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(server.getParentSpanId()).as("the server span is the root").isEqualTo(
                    io.opentelemetry.api.trace.SpanId.getInvalid());
            assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(call.getTraceId()).isEqualTo(server.getTraceId());
            assertThat(call.getParentSpanId()).isEqualTo(server.getSpanId());
            assertThat(call.getAttributes().get(AttributeKey.stringKey("outcome"))).isEqualTo("ok");
            assertThat(call.getAttributes().get(AttributeKey.stringKey("worker"))).isEqualTo("default");
            assertThat(call.getAttributes().get(AttributeKey.stringKey("molt.worker.id")))
                    .isEqualTo(Long.toString(client.stats().pids().get(0)));
            assertThat(call.getAttributes().get(AttributeKey.stringKey("molt.worker.exec_us"))).isNotNull();

            String pid = "[worker " + client.stats().pids().get(0) + "] ";
            await().atMost(Duration.ofSeconds(10)).until(() -> requestLog(lines, pid, call.getTraceId()) != null);
            Map<String, Object> seen = requestLog(lines, pid, call.getTraceId());
            assertThat(seen).containsEntry("entry", "list_items").containsEntry("status", "Ok")
                    .containsEntry("parent_id", call.getSpanId());
        } finally {
            stderr.detachAppender(lines);
        }
    }

    /** The last successful molt call span. */
    private static SpanData okCall(List<SpanData> spans) {
        SpanData found = null;
        for (SpanData s : spans) {
            if (s.getName().equals("molt list_items") && "ok".equals(s.getAttributes().get(AttributeKey.stringKey("outcome")))) {
                found = s;
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> requestLog(ListAppender<ILoggingEvent> lines, String prefix, String traceId) {
        for (ILoggingEvent e : List.copyOf(lines.list)) {
            String m = e.getFormattedMessage();
            if (m.startsWith(prefix + "{\"molt_request\"") && m.contains(traceId)) {
                return JSON.readValue(m.substring(prefix.length()), Map.class);
            }
        }
        return null;
    }
}
