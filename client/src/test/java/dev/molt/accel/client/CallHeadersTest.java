package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.internal.ClientCore;
import dev.molt.accel.client.internal.InMemoryTransport;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.worker.MoltWorker;
import dev.molt.accel.test.worker.HeadersWorker;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link CallOptions#headers()} reach the worker's handler, on every attempt of a call. */
class CallHeadersTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final Map<String, String> HEADERS = headers("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01",
            "baggage", "tenant=acme", "x-correlation-id", "order-17");

    @Test
    void headersReachARealJavaWorkerProcessAndTheBeforeSendHook() {
        List<RequestEnvelope> sent = new CopyOnWriteArrayList<>();
        CallOptions withHeaders = CallOptions.builder().timeout(Duration.ofSeconds(30)).headers(HEADERS)
                .beforeSend(sent::add).build();
        try (MoltClient client = MoltClient.builder().javaWorker(HeadersWorker.class.getName(), "--stdio")
                .closeTimeout(Duration.ofSeconds(5)).build()) {
            client.start();
            assertThat(client.call("echo_headers", Map.of(), withHeaders).value())
                    .isEqualTo(map("headers", HEADERS, "trace_id", TRACE_ID));
            assertThat(sent).singleElement().satisfies(r -> assertThat(r.headers()).containsExactlyEntriesOf(HEADERS));

            CallOptions none = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();
            assertThat(client.call("echo_headers", Map.of(), none).value())
                    .isEqualTo(map("headers", Map.of(), "trace_id", null));
        }
        TestWorkers.assertNoChildren();
    }

    @Test
    void everyAttemptOfARetriedCallCarriesTheHeaders() throws Exception {
        AtomicLong now = new AtomicLong(7L);
        MoltClientBuilder b = MoltClient.builder().closeTimeout(Duration.ofSeconds(2)).ticker(now::get)
                .transport(new InMemoryTransport("small queue", (in, out) -> {
                    MoltWorker.Builder w = MoltWorker.builder().threads(1).maxQueue(1)
                            .drainTimeout(Duration.ofSeconds(1));
                    HeadersWorker.configure(w);
                    w.build().serve(in, out);
                }));
        try (MoltClient client = b.build()) {
            client.start();
            CallOptions hold = CallOptions.builder().timeout(Duration.ofMinutes(5)).build();
            Map<String, Object> sleep = map("ms", 60_000, "cooperative", true);
            CompletableFuture<MoltResult> running = client.callAsync("sleep", sleep, hold);
            CompletableFuture<MoltResult> queued = client.callAsync("sleep", sleep, hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 2);

            List<Map<String, String>> sends = new CopyOnWriteArrayList<>();
            CompletableFuture<MoltResult> retried = client.callAsync("echo_headers", Map.of(), CallOptions.builder()
                    .timeout(Duration.ofSeconds(60)).headers(HEADERS).retryOnBusy(true).maxRetries(3)
                    .retryBackoff(Duration.ofSeconds(20)).retryBackoffMax(Duration.ofSeconds(20))
                    .beforeSend(r -> sends.add(r.headers())).build());
            await().atMost(Duration.ofSeconds(20)).until(() -> sends.size() == 1 && client.stats().inFlight() == 2);
            running.cancel(true);
            queued.cancel(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
            now.addAndGet(Duration.ofSeconds(20).toNanos());
            ((ClientCore) client).sweepNow();

            assertThat(retried.get(20, TimeUnit.SECONDS).value()).isEqualTo(map("headers", HEADERS, "trace_id", TRACE_ID));
            assertThat(sends).hasSize(2).allSatisfy(h -> assertThat(h).containsExactlyEntriesOf(HEADERS));
        }
    }

    @Test
    void headersAreCheckedWhenTheOptionsAreBuilt() {
        Map<String, String> most = new LinkedHashMap<>();
        for (int i = 0; i < 32; i++) {
            most.put("h" + i, "v");
        }
        assertThat(CallOptions.builder().headers(most).build().headers()).containsExactlyEntriesOf(most);
        most.put("h32", "v");
        assertThatThrownBy(() -> CallOptions.builder().headers(most).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("33 entries, at most 32");
        assertThatThrownBy(() -> CallOptions.builder().headers(Map.of("k", "x".repeat(8192))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 8192");
        assertThatThrownBy(() -> CallOptions.builder().headers(Map.of("", "v")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertThatThrownBy(() -> CallOptions.builder().headers(nullValue).build())
                .isInstanceOf(NullPointerException.class);

        Map<String, String> source = new LinkedHashMap<>(HEADERS);
        CallOptions o = CallOptions.builder().headers(source).build();
        source.clear();
        assertThat(o.headers()).containsExactlyEntriesOf(HEADERS);
        assertThat(o.toBuilder().build().headers()).isEqualTo(HEADERS);
        assertThatThrownBy(() -> o.headers().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(o.toString()).contains("headers=3").doesNotContain(TRACE_ID);
        assertThat(CallOptions.defaults().headers()).isEmpty();
        assertThat(CallOptions.builder().headers(null).build().headers()).isEmpty();
    }

    private static Map<String, String> headers(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
