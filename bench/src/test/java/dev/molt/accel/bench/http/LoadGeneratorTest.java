package dev.molt.accel.bench.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator against a tiny local HTTP server whose service time and answers the test chooses. */
class LoadGeneratorTest {

    private static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.US_ASCII);

    static {
        // the JDK server writes headers and body apart; with Nagle on, each answer waits for a delayed ACK (40 ms)
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private HttpServer server;
    private ExecutorService executor;
    private final AtomicLong served = new AtomicLong();

    @BeforeEach
    void startServer() throws IOException, InterruptedException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/ok", e -> answer(e, 200, BODY.length));
        server.createContext("/busy", e -> answer(e, 503, BODY.length));
        server.createContext("/chunked", e -> answer(e, 200, 0));
        // one request at a time, 20 ms each: at most 50 requests per second
        server.createContext("/slow", e -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            while (System.nanoTime() - until < 0) {
                LockSupport.parkNanos(until - System.nanoTime());
            }
            answer(e, 200, BODY.length);
        });
        executor = Executors.newFixedThreadPool(8);
        server.setExecutor(executor);
        server.start();
        // the first exchanges load and compile the classes of both sides: keep them out of the tests
        LoadGenerator.run(LoadGenerator.Config.closed(port(), "/ok", 2, Duration.ZERO, Duration.ofMillis(300)));
        served.set(0);
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void answer(HttpExchange e, int status, long length) throws IOException {
        served.incrementAndGet();
        e.getRequestBody().readAllBytes();
        e.getResponseHeaders().set("Content-Type", "application/json");
        e.sendResponseHeaders(status, length);
        try (OutputStream out = e.getResponseBody()) {
            out.write(BODY);
        }
    }

    private int port() {
        return server.getAddress().getPort();
    }

    @Test
    void closedLoopCountsEveryAnswerOnKeepAliveConnections() throws Exception {
        LoadGenerator.Result r = LoadGenerator.run(LoadGenerator.Config.closed(port(), "/ok", 4, Duration.ZERO,
                Duration.ofMillis(500)));

        assertThat(r.requests()).isPositive().isEqualTo(served.get());
        assertThat(r.latency().getTotalCount()).isEqualTo(r.requests());
        assertThat(r.errors()).isEmpty();
        assertThat(r.rps()).isEqualTo(r.requests() / 0.5);
        assertThat(r.latencyUs(50)).isPositive().isLessThanOrEqualTo(r.latencyUs(99));
    }

    @Test
    void warmupIsNotCounted() throws Exception {
        LoadGenerator.Result r = LoadGenerator.run(LoadGenerator.Config.closed(port(), "/ok", 2, Duration.ofMillis(300),
                Duration.ofMillis(300)));

        assertThat(r.requests()).isPositive().isLessThan(served.get());
    }

    @Test
    void countsErrorsByStatus() throws Exception {
        LoadGenerator.Result r = LoadGenerator.run(LoadGenerator.Config.closed(port(), "/busy", 2, Duration.ZERO,
                Duration.ofMillis(300)));

        assertThat(r.requests()).isPositive();
        assertThat(r.errors()).containsOnlyKeys("503");
        assertThat(r.errors().get("503")).isEqualTo(r.requests());
    }

    @Test
    void readsChunkedAnswers() throws Exception {
        LoadGenerator.Result r = LoadGenerator.run(LoadGenerator.Config.closed(port(), "/chunked", 2, Duration.ZERO,
                Duration.ofMillis(300)));

        assertThat(r.requests()).isPositive().isEqualTo(served.get());
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void refusedConnectionsAreIoErrors() throws Exception {
        int port = port();
        server.stop(0);

        LoadGenerator.Result r = LoadGenerator.run(LoadGenerator.Config.closed(port, "/ok", 1, Duration.ZERO,
                Duration.ofMillis(200)));

        assertThat(r.requests()).isZero();
        assertThat(r.errors()).containsKey("io");
    }

    @Test
    void jdkClientCountsLikeTheRawClient() throws Exception {
        LoadGenerator.Result r = LoadGenerator.run(LoadGenerator.Config.closed(port(), "/ok", 2, Duration.ZERO,
                Duration.ofMillis(300)).withClient(LoadGenerator.Client.JDK));

        assertThat(r.requests()).isPositive().isEqualTo(served.get());
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void openLoopMeasuresFromTheIntendedSendTimeSoQueueingCounts() throws Exception {
        // 100 requests due per second over one connection to a server that serves 50 per second:
        // request i waits behind the ones before it, about i * 10 ms, and that wait must show
        LoadGenerator.Result closed = LoadGenerator.run(LoadGenerator.Config.closed(port(), "/slow", 1, Duration.ZERO,
                Duration.ofMillis(400)));
        LoadGenerator.Result open = LoadGenerator.run(LoadGenerator.Config.open(port(), "/slow", 100, 1, Duration.ZERO,
                Duration.ofSeconds(1)));

        assertThat(closed.latencyUs(50)).isBetween(19_000.0, 200_000.0);
        assertThat(open.requests()).isEqualTo(100);
        assertThat(open.errors()).isEmpty();
        assertThat(open.latencyUs(50)).isGreaterThan(300_000.0);
        assertThat(open.maxUs()).isGreaterThan(800_000.0);
        // the send lag is what the generator itself added: here the lone connection was busy
        assertThat(open.sendLag().getValueAtPercentile(90) / 1000.0).isGreaterThan(300_000.0);
    }

    @Test
    void openLoopAtAnEasyRateSendsOnTime() throws Exception {
        LoadGenerator.Result open = LoadGenerator.run(LoadGenerator.Config.open(port(), "/ok", 200, 4, Duration.ZERO,
                Duration.ofMillis(500)));

        assertThat(open.requests()).isEqualTo(100);
        assertThat(open.rps()).isEqualTo(200.0);
        assertThat(open.latencyUs(50)).isLessThan(50_000.0);
    }

    @Test
    void refusesRemoteTargets() {
        assertThatThrownBy(() -> new LoadGenerator.Config(LoadGenerator.Mode.CLOSED, "10.0.0.1", 80, "/", 1, 0,
                Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), LoadGenerator.Client.RAW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("127.0.0.1");
    }
}
