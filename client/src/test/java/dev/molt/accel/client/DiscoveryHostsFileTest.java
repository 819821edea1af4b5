package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
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
 * ({@code -Djdk.net.hosts.file}), and the pool has a connection to each.
 */
class DiscoveryHostsFileTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

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
