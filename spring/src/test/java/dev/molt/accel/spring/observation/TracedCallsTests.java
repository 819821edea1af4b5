package dev.molt.accel.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.spring.testsupport.TestWorkers;
import dev.molt.accel.test.worker.HeadersWorker;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * End to end with Boot's OpenTelemetry tracing, every request sampled, spans collected in memory,
 * and a real worker process that answers with the headers its request envelope carried
 * ({@code echo_headers} of {@link HeadersWorker}): the HTTP server span is the parent of the
 * {@code molt <entry>} CLIENT span, whose own context (trace id and span id) is the
 * {@code traceparent} the worker received; an incoming trace's {@code tracestate} and a baggage field
 * named in {@code management.tracing.baggage.remote-fields} reach the worker too. A subclass per web
 * stack gives the application and its span exporter.
 */
abstract class TracedCallsTests {

    static final String PATH = "/traced/headers";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * A processor, not an exporter bean: each span is exported to {@code spans} when it ends. One
     * exporter per application: closing an application shuts its exporter down for good.
     */
    static SpanProcessor inMemorySpans(InMemorySpanExporter spans) {
        return SimpleSpanProcessor.create(spans);
    }

    /** The exporter of the subclass's application. */
    abstract InMemorySpanExporter spans();

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.javaCommand(HeadersWorker.class));
    }

    @LocalServerPort
    int port;

    @BeforeEach
    void clearSpans() {
        spans().reset();
    }

    /** GETs the offloaded endpoint with {@code headers}; returns what the worker saw: its headers and trace id. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> call(String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PATH))
                .timeout(Duration.ofSeconds(60));
        if (headers.length > 0) {
            b.headers(headers);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> headersOf(Map<String, Object> seen) {
        return (Map<String, String>) seen.get("headers");
    }

    /** The finished CLIENT span of the call and, once it has ended too, the span it is a child of. */
    private SpanData[] callAndParent() {
        await().atMost(Duration.ofSeconds(10)).until(() -> callSpan() != null);
        SpanData call = callSpan();
        await().atMost(Duration.ofSeconds(10)).until(() -> spans().getFinishedSpanItems().stream()
                .anyMatch(s -> s.getSpanId().equals(call.getParentSpanId())));
        SpanData parent = spans().getFinishedSpanItems().stream().filter(s -> s.getSpanId().equals(call.getParentSpanId()))
                .findFirst().orElseThrow();
        return new SpanData[] {call, parent};
    }

    private SpanData callSpan() {
        List<SpanData> spans = spans().getFinishedSpanItems();
        return spans.stream().filter(s -> s.getName().equals("molt echo_headers")).findFirst().orElse(null);
    }

    @Test
    void theServerSpanIsTheRootAndParentOfTheCallSpanWhoseOwnContextReachedTheWorker() throws Exception {
        Map<String, Object> seen = call();
        SpanData[] spans = callAndParent();
        SpanData call = spans[0];
        SpanData server = spans[1];
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getParentSpanId()).as("the server span is the root").isEqualTo(SpanId.getInvalid());
        assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(call.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(call.getAttributes().get(AttributeKey.stringKey("outcome"))).isEqualTo("ok");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("worker"))).isEqualTo("default");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("molt.worker.exec_us"))).isNotNull();

        assertThat(headersOf(seen)).containsEntry("traceparent",
                "00-" + call.getTraceId() + "-" + call.getSpanId() + "-01");
        assertThat(seen).containsEntry("trace_id", call.getTraceId());
        assertThat(headersOf(seen)).doesNotContainKeys("tracestate", "baggage");
    }

    @Test
    void anIncomingTracesStateAndBaggageFieldReachTheWorkerWithTheSameTraceId() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        Map<String, Object> seen = call("traceparent", "00-" + traceId + "-" + callerSpan + "-01",
                "tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", "baggage", "tenant=acme");
        SpanData[] spans = callAndParent();
        SpanData call = spans[0];
        SpanData server = spans[1];
        assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(server.getTraceId()).isEqualTo(traceId);
        assertThat(server.getParentSpanId()).as("the caller's span is the server span's parent").isEqualTo(callerSpan);
        assertThat(call.getTraceId()).isEqualTo(traceId);

        Map<String, String> headers = headersOf(seen);
        assertThat(headers).containsEntry("traceparent", "00-" + traceId + "-" + call.getSpanId() + "-01")
                .containsEntry("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
        assertThat(headers.get("baggage")).as(headers.toString()).contains("tenant=acme");
        assertThat(seen).containsEntry("trace_id", traceId);
    }
}
