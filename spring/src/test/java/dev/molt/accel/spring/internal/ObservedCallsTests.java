package dev.molt.accel.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.observation.DefaultMoltObservationConvention;
import dev.molt.accel.spring.observation.MoltCallContext;
import dev.molt.accel.spring.testsupport.TestWorkers;
import dev.molt.accel.test.worker.HeadersWorker;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ObservedCalls} against a real worker process that echoes the headers it was given: the
 * observation per call (name, keys, outcome, worker timings), the trace context it propagates
 * through the OpenTelemetry bridge (the call span's own id in {@code traceparent}, baggage), and
 * nothing sent or observed without a tracer or a registry.
 */
class ObservedCallsTests {

    private static final byte[] EMPTY_MAP = Payloads.encode(Codec.MSGPACK, Map.of());
    private static MoltClient client;

    @BeforeAll
    static void startWorker() {
        client = MoltClient.builder().command(TestWorkers.javaCommand(HeadersWorker.class))
                .startTimeout(Duration.ofSeconds(60)).build();
        client.start();
    }

    @AfterAll
    static void closeWorker() {
        client.close();
    }

    private static OffloadPlan plan(String entry) {
        OffloadPlan.Builder b = new OffloadPlan.Builder();
        b.entry = entry;
        b.codec = Codec.MSGPACK;
        b.options = CallOptions.builder().timeoutMs(20_000);
        b.pool = "tiles";
        b.transport = "stdio";
        b.parameterNames = new String[0];
        return new OffloadPlan(b);
    }

    private static MoltResult call(ObservedCalls calls, String entry) {
        OffloadPlan p = plan(entry);
        return calls.call(p, client, EMPTY_MAP, p.baseOptions());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> headersSeen(MoltResult r) {
        return (Map<String, String>) ((Map<String, Object>) r.value()).get("headers");
    }

    /** An OpenTelemetry SDK exporting to memory, bridged to Micrometer Tracing as Boot wires it. */
    private static final class Otel implements AutoCloseable {
        final InMemorySpanExporter spans = InMemorySpanExporter.create();
        final SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        final ObservationRegistry registry = ObservationRegistry.create();

        Otel() {
            io.opentelemetry.api.trace.Tracer otel = provider.get("test");
            ContextPropagators propagators = ContextPropagators.create(TextMapPropagator.composite(
                    W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance()));
            OtelCurrentTraceContext current = new OtelCurrentTraceContext();
            OtelTracer tracer = new OtelTracer(otel, current, event -> { },
                    new OtelBaggageManager(current, List.of(), List.of()));
            registry.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                    new PropagatingSenderTracingObservationHandler<>(tracer, new OtelPropagator(propagators, otel)),
                    new DefaultTracingObservationHandler(tracer)));
        }

        SpanData span(String name) {
            return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans.getFinishedSpanItems()));
        }

        @Override
        public void close() {
            provider.close();
        }
    }

    @Test
    void aTracedCallSendsTheCallSpansOwnIdAndTheBaggageAndTagsTheSpan() {
        try (Otel otel = new Otel()) {
            ObservedCalls calls = new ObservedCalls(otel.registry, null);
            Observation parent = Observation.start("test.parent", otel.registry);
            MoltResult r;
            try (Observation.Scope s = parent.openScope();
                    Scope b = Baggage.current().toBuilder().put("tenant", "acme").build().makeCurrent()) {
                r = call(calls, "echo_headers");
            } finally {
                parent.stop();
            }
            SpanData call = otel.span("molt echo_headers");
            SpanData outer = otel.span("test.parent");
            assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(call.getParentSpanId()).isEqualTo(outer.getSpanId());
            assertThat(call.getTraceId()).isEqualTo(outer.getTraceId());
            Map<String, String> seen = headersSeen(r);
            assertThat(seen.get("traceparent")).isEqualTo("00-" + call.getTraceId() + "-" + call.getSpanId() + "-01");
            assertThat(seen.get("baggage")).isEqualTo("tenant=acme");
            assertThat(((Map<?, ?>) r.value()).get("trace_id")).isEqualTo(call.getTraceId());
            assertThat(call.getAttributes().get(AttributeKey.stringKey("entry"))).isEqualTo("echo_headers");
            assertThat(call.getAttributes().get(AttributeKey.stringKey("worker"))).isEqualTo("tiles");
            assertThat(call.getAttributes().get(AttributeKey.stringKey("outcome"))).isEqualTo("ok");
            assertThat(call.getAttributes().get(AttributeKey.stringKey("transport"))).isEqualTo("stdio");
            assertThat(call.getAttributes().get(AttributeKey.stringKey("molt.request.id")))
                    .isEqualTo(Long.toString(r.requestId()));
            assertThat(call.getAttributes().get(AttributeKey.stringKey("molt.worker.id")))
                    .isEqualTo(Long.toString(client.stats().pids().get(0)));
            for (String k : List.of("molt.worker.queue_us", "molt.worker.exec_us", "molt.worker.decode_us")) {
                assertThat(Long.parseLong(call.getAttributes().get(AttributeKey.stringKey(k)))).as(k).isNotNegative();
            }
        }
    }

    @Test
    void aFailedCallEndsItsSpanWithTheErrorCodeAndTheAsyncPathPropagatesToo() {
        try (Otel otel = new Otel()) {
            ObservedCalls calls = new ObservedCalls(otel.registry, null);
            assertThatThrownBy(() -> call(calls, "no_such_entry")).isInstanceOf(MoltInvalidInputException.class);
            SpanData failed = otel.span("molt no_such_entry");
            assertThat(failed.getAttributes().get(AttributeKey.stringKey("outcome"))).isEqualTo("MoltInvalidInput");
            assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(failed.getParentSpanId()).isEqualTo(SpanId.getInvalid());

            // the parent handed over (a WebFlux request's, from its Reactor context), not in a thread local
            OffloadPlan p = plan("echo_headers");
            Observation parent = Observation.start("reactive.parent", otel.registry);
            MoltResult r = calls.callAsync(p, client, EMPTY_MAP, p.baseOptions(), parent).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> otel.spans.getFinishedSpanItems().size() == 2);
            parent.stop();
            SpanData async = otel.span("molt echo_headers");
            assertThat(async.getParentSpanId()).isEqualTo(otel.span("reactive.parent").getSpanId());
            assertThat(headersSeen(r).get("traceparent")).contains(async.getSpanId());
            assertThat(headersSeen(r)).doesNotContainKey("baggage");
        }
    }

    @Test
    void withoutATracerNothingIsSentAndMetersStillCount() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        MoltResult r = call(new ObservedCalls(registry, null), "echo_headers");
        assertThat(headersSeen(r)).isEmpty();
        Timer t = meters.get("molt.accel.call").tags("entry", "echo_headers", "worker", "tiles", "outcome", "ok",
                "transport", "stdio").timer();
        assertThat(t.count()).isEqualTo(1);

        // the no-op registry and a registry without handlers: straight through, nothing observed
        for (ObservationRegistry noop : List.of(ObservationRegistry.NOOP, ObservationRegistry.create())) {
            ObservedCalls direct = new ObservedCalls(noop, null);
            assertThat(headersSeen(call(direct, "echo_headers"))).isEmpty();
            OffloadPlan p = plan("echo_headers");
            assertThat(headersSeen(direct.callAsync(p, client, EMPTY_MAP, p.baseOptions(), null).join())).isEmpty();
        }
    }

    @Test
    void theCallersOwnHeadersAreKeptBesideTheTraceContext() {
        try (Otel otel = new Otel()) {
            ObservedCalls calls = new ObservedCalls(otel.registry, null);
            OffloadPlan p = plan("echo_headers");
            CallOptions own = p.baseOptions().toBuilder().headers(Map.of("x-correlation-id", "order-17")).build();
            Map<String, String> seen = headersSeen(calls.call(p, client, EMPTY_MAP, own));
            assertThat(seen).containsEntry("x-correlation-id", "order-17").containsKey("traceparent");
        }
    }

    @Test
    void anApplicationConventionRenamesAndAddsKeysAndCancelledCallsAreObserved() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        DefaultMoltObservationConvention custom = new DefaultMoltObservationConvention() {
            @Override
            public String getName() {
                return "tiles.render";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(MoltCallContext context) {
                return super.getLowCardinalityKeyValues(context).and(KeyValue.of("team", "maps"));
            }
        };
        call(new ObservedCalls(registry, custom), "echo_headers");
        TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("tiles.render").that()
                .hasLowCardinalityKeyValue("team", "maps").hasLowCardinalityKeyValue("outcome", "ok")
                .hasContextualNameEqualTo("molt echo_headers").hasBeenStarted().hasBeenStopped();

        TestObservationRegistry cancelled = TestObservationRegistry.create();
        OffloadPlan sleep = plan("sleep");
        CompletableFuture<MoltResult> f = new ObservedCalls(cancelled, null).callAsync(sleep, client,
                Payloads.encode(Codec.MSGPACK, Map.of("ms", 20_000, "cooperative", true)), sleep.baseOptions(), null);
        f.cancel(true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> TestObservationRegistryAssert.assertThat(cancelled)
                .hasObservationWithNameEqualTo(DefaultMoltObservationConvention.NAME).that().hasBeenStopped()
                .hasLowCardinalityKeyValue("outcome", "MoltCancelled").hasError());
    }
}
