package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.testsupport.CallProbe;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * @MoltOffload on Spring MVC over a real Tomcat with h2c enabled and a pool of two workers:
 * cancellation on disconnect (HTTP/2 and HTTP/1.1), shared vs per-request mode, fallback, pooling and
 * a worker killed between requests.
 */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "server.http2.enabled=true",
    "molt.accel.pool-size=2",
})
@DirtiesContext
class MvcServerTests {

    private static HttpClient http;
    private static ExecutorService httpExecutor;

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @BeforeAll
    static void client() {
        httpExecutor = Executors.newFixedThreadPool(4);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpExecutor)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void closeClient() {
        // Java 17's HttpClient cannot be closed: stop its executor and drop it
        httpExecutor.shutdownNow();
        http = null;
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltClient moltClient;

    @Autowired
    CallProbe probe;

    @Autowired
    ServletWebServerApplicationContext context;

    @TempDir
    Path tmp;

    @Test
    void runsOnTomcat() {
        assertThat(context.getWebServer().getClass().getSimpleName()).contains("Tomcat");
    }

    /**
     * An HTTP/2 (h2c, prior knowledge) client opens a stream and closes its connection while the worker
     * sleeps: Tomcat reports the closed connection through AsyncListener.onError, the DeferredResult's
     * error callback cancels the call and the worker sees the {@code __cancel__}.
     */
    @Test
    void h2cDisconnectCancelsTheWorkerCall() throws Exception {
        Map<String, Long> observedBefore = cancelObservedByWorker();
        long cancelsBefore = probe.cancels("touch");
        Path file = tmp.resolve("h2c.txt");
        long closedAt;
        try (Socket socket = new Socket("localhost", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(H2.preface());
            out.write(H2.frame(0x4, 0, 0, new byte[0]));
            out.write(H2.frame(0x1, 0x5, 1, H2.requestHeaders("GET", "/mvc/touch-hold?file=" + file + "&sleep_ms=30000",
                    "localhost:" + port)));
            out.flush();
            awaitRunning(file);
            closedAt = System.nanoTime();
        }
        String worker = Files.readAllLines(file).get(0).substring("touched by ".length()).trim();
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.cancels("touch") > cancelsBefore);
        long latencyMicros = (probe.cancelledAt("touch", closedAt) - closedAt) / 1000;
        System.out.printf("[disconnect-latency] MVC/Tomcat h2c: close -> __cancel__ sent in %.1f ms%n",
                latencyMicros / 1000.0);
        assertThat(latencyMicros).isBetween(0L, 2_000_000L);
        // a worker that was not there for the count before started afterwards: it had seen no cancel
        long before = observedBefore.getOrDefault(worker, 0L);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            MoltResult stats = stats();
            return stats.worker().equals(worker) && cancelObserved(stats) > before;
        });
        assertThat(probe.cancels("touch")).as("cancelled once").isEqualTo(cancelsBefore + 1);
    }

    /**
     * Over HTTP/1.1 Tomcat does not watch the socket of a request in async processing: the close goes
     * unnoticed and the call ends at its deadline (1.5 s here), not earlier.
     */
    @Test
    void http11DisconnectIsNoticedOnlyAtTheDeadline() throws Exception {
        long cancelsBefore = probe.cancels("sleep");
        int inFlightBefore = moltClient.stats().inFlight();
        long sentAt = System.nanoTime();
        long closedAt;
        try (Socket socket = new Socket("localhost", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /mvc/hold-short?ms=30000&cooperative=true HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> moltClient.stats().inFlight() > inFlightBefore);
            closedAt = System.nanoTime();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.completedSince("sleep", closedAt) != null);
        CallProbe.Event end = probe.completedSince("sleep", closedAt);
        System.out.printf("[disconnect-latency] MVC/Tomcat HTTP/1.1: close not noticed; call ended %s %.0f ms after "
                + "the close, %.0f ms after the request (deadline 1500 ms)%n", end.outcome(),
                (end.nanoTime() - closedAt) / 1e6, (end.nanoTime() - sentAt) / 1e6);
        assertThat(end.outcome()).isEqualTo("MoltTimeout");
        assertThat(probe.cancels("sleep")).as("no cancel before the deadline").isEqualTo(cancelsBefore);
        assertThat((end.nanoTime() - sentAt) / 1_000_000).as("ended at the deadline, not at the close")
                .isGreaterThanOrEqualTo(1450);
    }

    @Test
    void sharedAndPerRequestModesOverHttp() throws Exception {
        int max = 0;
        for (int i = 0; i < 4; i++) {
            max = Math.max(max, ((Number) get("/mvc/count").json().get("count")).intValue());
        }
        assertThat(max).as("a pool of 2 long-lived workers served 4 calls").isGreaterThanOrEqualTo(2);
        Response perRequest = get("/mvc/count-per-request");
        assertThat(perRequest.status()).isEqualTo(200);
        assertThat(perRequest.json()).containsEntry("count", 1);
    }

    @Test
    void fallbackOverHttp() throws Exception {
        Response r = get("/mvc/fallback/crash?code=5");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(Map.of("fallback", true, "code", 5));
    }

    @Test
    void thePoolSpreadsConcurrentCallsOverItsWorkers() throws Exception {
        moltClient.start();
        assertThat(moltClient.stats().workers()).isEqualTo(2);
        Path file = tmp.resolve("pool.txt");
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            calls.add(http.sendAsync(request("/mvc/touch-slow?file=" + file + "&sleep_ms=800"),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            assertThat(c.get().statusCode()).isEqualTo(200);
        }
        Set<String> pids = new HashSet<>(Files.readAllLines(file));
        assertThat(pids).as("lines 'touched by <pid>'").hasSize(2);
    }

    @Test
    void aWorkerKilledBetweenRequestsIsReplacedOnTheNextRequest() throws Exception {
        assertThat(get("/mvc/echo?name=before").status()).isEqualTo(200);
        List<Long> before = moltClient.stats().pids();
        for (long pid : before) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (long pid : before) {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        }
        Response first = get("/mvc/echo?name=right-after-the-kill");
        assertThat(first.status()).as("a request racing the kill may see 503, else a fresh worker answers")
                .isIn(200, 503);
        if (first.status() == 503) {
            assertThat(first.json()).containsEntry("error", "MoltWorkerUnavailable");
        }
        // the client learns of each death on its own reader thread: the next request follows that
        await().atMost(Duration.ofSeconds(10)).until(() -> moltClient.stats().pids().stream().noneMatch(before::contains));
        Response next = get("/mvc/echo?name=recovered");
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.json()).containsEntry("name", "recovered");
        assertThat(moltClient.stats().pids()).doesNotContainAnyElementsOf(before);
    }

    /**
     * Cooperative sleeps that saw their cancellation, per worker (its pid) of the pool. Asked until
     * every worker taking calls answered: the pool does not always send consecutive calls to each
     * worker in turn (a busy worker, one still starting).
     */
    private Map<String, Long> cancelObservedByWorker() {
        Map<String, Long> seen = new java.util.HashMap<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            MoltResult stats = stats();
            seen.put(stats.worker(), cancelObserved(stats));
            return moltClient.stats().pids().stream().allMatch(pid -> seen.containsKey(Long.toString(pid)));
        });
        return seen;
    }

    private MoltResult stats() {
        return moltClient.call("stats", Map.of(), CallOptions.builder().timeoutMs(60_000).build());
    }

    private static long cancelObserved(MoltResult stats) {
        Map<?, ?> m = stats.as(Map.class);
        return ((Number) m.get("cancel_observed")).longValue();
    }

    /** Waits until the worker runs the {@code touch} call: its first act is to append a line to the file. */
    static void awaitRunning(Path file) {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && !Files.readAllLines(file).isEmpty());
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(30)).build();
    }

    private Response get(String path) throws Exception {
        HttpResponse<byte[]> r = http.send(request(path), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.body());
    }

    record Response(int status, byte[] body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) Payloads.decode(Codec.JSON, body);
        }
    }

    /** Just enough HTTP/2 to open one stream with prior knowledge (RFC 9113, HPACK literals without Huffman). */
    static final class H2 {

        private H2() {
        }

        static byte[] preface() {
            return "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        }

        static byte[] frame(int type, int flags, int streamId, byte[] payload) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(payload.length >>> 16);
            b.write(payload.length >>> 8);
            b.write(payload.length);
            b.write(type);
            b.write(flags);
            b.write(streamId >>> 24);
            b.write(streamId >>> 16);
            b.write(streamId >>> 8);
            b.write(streamId);
            b.writeBytes(payload);
            return b.toByteArray();
        }

        static byte[] requestHeaders(String method, String path, String authority) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write("GET".equals(method) ? 0x82 : 0x83); // :method, static table 2 / 3
            b.write(0x86); // :scheme http, static table 6
            literal(b, 0x04, path); // :path, name from static table 4
            literal(b, 0x01, authority); // :authority, name from static table 1
            return b.toByteArray();
        }

        private static void literal(ByteArrayOutputStream b, int nameIndex, String value) {
            byte[] v = value.getBytes(StandardCharsets.US_ASCII);
            if (v.length > 126) {
                throw new IllegalArgumentException("value too long for this minimal encoder");
            }
            b.write(nameIndex); // literal header field without indexing, indexed name
            b.write(v.length);
            b.writeBytes(v);
        }
    }
}
