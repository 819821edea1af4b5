package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A pool of three loopback endpoints (127.0.0.2-4) when some are down: the start succeeds with
 * those that answer and fails, naming each, only when none does; an endpoint down at the start is
 * ejected, tried again in the background, and takes calls once a worker listens there.
 */
class EndpointsRobustnessTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

    private static int closedPort(String host) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    private static MoltClientBuilder client(List<String> endpoints) {
        return MoltClient.builder().endpoints(endpoints).closeTimeout(Duration.ofSeconds(5))
                .startTimeout(Duration.ofSeconds(30)).restartBackoff(Duration.ofMillis(20), Duration.ofMillis(500));
    }

    @SuppressWarnings("unchecked")
    private static long count(String endpoint) {
        try (MoltClient c = client(List.of(endpoint)).build()) {
            return ((Number) ((Map<String, Object>) c.call("stats", map(), SLOW).value()).get("count")).longValue();
        }
    }

    private static long up(MoltClient c) {
        return c.endpoints().stream().filter(e -> e.state() == EndpointState.State.UP).count();
    }

    @Test
    void startsWithTwoOfThreeAndTakesTheThirdOnceItListens() throws Exception {
        int port = closedPort("127.0.0.4");
        String third = "tcp://127.0.0.4:" + port;
        try (SocketWorker a = SocketWorker.start("--listen", "tcp://127.0.0.2:0");
                SocketWorker b = SocketWorker.start("--listen", "tcp://127.0.0.3:0")) {
            List<String> endpoints = List.of(a.address(), b.address(), third);
            try (MoltClient c = client(endpoints).build()) {
                long t0 = System.nanoTime();
                c.start();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("start not held by the endpoint down")
                        .isLessThan(Duration.ofSeconds(30));
                assertThat(c.stats().workers()).isEqualTo(2);
                List<EndpointState> states = c.endpoints();
                assertThat(states).hasSize(3);
                EndpointState down = states.stream().filter(e -> e.endpoint().equals(third)).findFirst().orElseThrow();
                assertThat(down.state()).isEqualTo(EndpointState.State.DOWN);
                assertThat(down.reason()).isEqualTo("refused");
                assertThat(down.failures()).isPositive();
                assertThat(up(c)).isEqualTo(2);
                for (int i = 0; i < 50; i++) {
                    assertThat(c.call("echo", map("i", i), SLOW).value()).isEqualTo(map("i", i));
                }
                c.ping(Duration.ofSeconds(10)); // succeeds while one endpoint answers
                // a worker comes up at the third address: the background retries connect to it with no call made
                try (SocketWorker w3 = SocketWorker.start("--listen", third)) {
                    assertThat(w3.address()).isEqualTo(third);
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                            .until(() -> up(c) == 3 && c.stats().workers() == 3);
                    List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        calls.add(c.callAsync("sleep", map("ms", 2), SLOW));
                    }
                    for (CompletableFuture<MoltResult> f : calls) {
                        f.get(60, TimeUnit.SECONDS);
                    }
                    assertThat(c.endpoints()).allSatisfy(e -> assertThat(e.reason()).isNull());
                    for (int i = 0; i < 300; i++) {
                        c.call("count", map(), SLOW);
                    }
                    assertThat(count(third)).as("calls run by the endpoint that came up").isPositive();
                }
            }
        }
    }

    @Test
    void startFailsNamingEveryEndpointWhenNoneAnswers() throws Exception {
        List<String> endpoints = List.of("tcp://127.0.0.2:" + closedPort("127.0.0.2"),
                "tcp://127.0.0.3:" + closedPort("127.0.0.3"), "tcp://127.0.0.4:" + closedPort("127.0.0.4"));
        try (MoltClient c = client(endpoints).build()) {
            long t0 = System.nanoTime();
            assertThatThrownBy(c::start).isInstanceOf(MoltWorkerUnavailableException.class)
                    .hasMessageContaining("no worker endpoint answered").satisfies(e -> {
                        for (String ep : endpoints) {
                            assertThat(e.getMessage()).contains(ep);
                        }
                    })
                    .hasMessageContaining("refused");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
            assertThat(c.endpoints()).hasSize(3)
                    .allSatisfy(e -> assertThat(e.state()).isEqualTo(EndpointState.State.DOWN));
            assertThatThrownBy(() -> c.ping(Duration.ofSeconds(5))).isInstanceOf(MoltWorkerUnavailableException.class);
        }
    }

    @Test
    void socketWorkerMessagesNameTheEndpoint() throws Exception {
        SocketWorker w = SocketWorker.start("--listen", "tcp://127.0.0.2:0");
        String address = w.address();
        try (MoltClient c = client(List.of(address)).maxRestarts(0).build()) {
            c.start();
            assertThat(c.call("echo", map(), SLOW).value()).isEqualTo(map());
            w.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> c.stats().lastFailure() != null);
            assertThat(c.stats().lastFailure()).contains(address).doesNotContain("stdout").doesNotContain("stdin");
        } finally {
            w.close();
        }
    }
}
