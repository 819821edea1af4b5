package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One host name, two workers: {@code workers.molt.test} resolves to 127.0.0.2 and 127.0.0.3
 * through the hosts file this class's own surefire execution gives the JVM
 * ({@code -Djdk.net.hosts.file}, with no address cache), and the pool has a connection to each.
 * {@code grow.molt.test} gains and then loses an address while a pool follows it: the test
 * rewrites that hosts file (the copy among the test classes) and puts it back.
 */
class DiscoveryHostsFileTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

    @SuppressWarnings("unchecked")
    private static long count(String endpoint) {
        try (MoltClient direct = MoltClient.builder().endpoints(endpoint).build()) {
            return ((Number) ((Map<String, Object>) direct.call("stats", map(), SLOW).value()).get("count")).longValue();
        }
    }

    private static void runCalls(MoltClient c, int n) throws Exception {
        List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(c.callAsync("count", map(), SLOW));
        }
        for (CompletableFuture<MoltResult> f : calls) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNameThatGainsAnAddressGrowsThePoolAndOneThatLosesItDrainsItsConnection() throws Exception {
        Path hosts = Path.of(System.getProperty("jdk.net.hosts.file"));
        String original = Files.readString(hosts);
        assertThat(InetAddress.getAllByName("grow.molt.test")).hasSize(1);
        try (SocketWorker a = SocketWorker.start("--listen", "tcp://127.0.0.2:0")) {
            String port = a.address().substring(a.address().lastIndexOf(':') + 1);
            try (SocketWorker b = SocketWorker.start("--listen", "tcp://127.0.0.3:" + port);
                    MoltClient c = MoltClient.builder().endpoints("tcp://grow.molt.test:" + port)
                            .discoveryRefresh(Duration.ofMillis(300)).startTimeout(Duration.ofSeconds(30)).build()) {
                assertThat(b.address()).isEqualTo("tcp://127.0.0.3:" + port);
                c.start();
                assertThat(c.endpoints()).extracting(EndpointState::address).containsExactly("127.0.0.2");
                runCalls(c, 50);
                assertThat(count(b.address())).isZero();
                // the name gains 127.0.0.3: a connection to it is added, and it takes calls
                Files.writeString(hosts, original + "127.0.0.3 grow.molt.test\n");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                        c.endpoints().stream().filter(e -> e.state() == EndpointState.State.UP).count() == 2
                                && c.stats().workers() == 2);
                assertThat(c.stats().size()).isEqualTo(2);
                runCalls(c, 200);
                assertThat(count(b.address())).as("calls run at the address the name gained").isPositive();
                // the name loses 127.0.0.2: its connection is drained and closed, calls go to 127.0.0.3 only
                Files.writeString(hosts, original.replace("127.0.0.2 grow.molt.test", "127.0.0.3 grow.molt.test"));
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                        c.endpoints().size() == 1 && c.stats().workers() == 1 && c.stats().size() == 1);
                assertThat(c.endpoints()).extracting(EndpointState::address).containsExactly("127.0.0.3");
                long atA = count(a.address());
                runCalls(c, 100);
                assertThat(count(a.address())).as("no call goes to the address the name lost").isEqualTo(atA);
            }
        } finally {
            Files.writeString(hosts, original);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aNameWithTwoAddressesGivesOneSlotPerAddressAndBothGetCalls() throws Exception {
        // the default surefire execution excludes this class; its own execution sets the hosts file
        assertThat(System.getProperty("jdk.net.hosts.file")).as("run in the discovery-hosts-file execution").isNotNull();
        assertThat(InetAddress.getAllByName("workers.molt.test")).hasSize(2);
        try (SocketWorker a = SocketWorker.start("--listen", "tcp://127.0.0.2:0")) {
            String port = a.address().substring(a.address().lastIndexOf(':') + 1);
            try (SocketWorker b = SocketWorker.start("--listen", "tcp://127.0.0.3:" + port)) {
                assertThat(b.address()).isEqualTo("tcp://127.0.0.3:" + port);
                try (MoltClient c = MoltClient.builder().endpoints("tcp://workers.molt.test:" + port)
                        .connectionsPerEndpoint(2).startTimeout(Duration.ofSeconds(30)).build()) {
                    assertThat(((MoltClientPool) c).size()).isEqualTo(4);
                    c.start();
                    List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        calls.add(c.callAsync("count", map(), SLOW));
                    }
                    for (CompletableFuture<MoltResult> f : calls) {
                        f.get(60, TimeUnit.SECONDS);
                    }
                }
                long total = 0;
                for (String addr : List.of(a.address(), b.address())) {
                    try (MoltClient direct = MoltClient.builder().endpoints(addr).build()) {
                        long n = ((Number) ((Map<String, Object>) direct.call("stats", map(), SLOW).value())
                                .get("count")).longValue();
                        assertThat(n).as("calls run by " + addr).isPositive();
                        total += n;
                    }
                }
                assertThat(total).isEqualTo(200);
            }
        }
    }
}
