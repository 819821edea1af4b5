package dev.molt.accel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Endpoint parsing, and how connections spread over the addresses of a name as they change. */
class EndpointsTransportTest {

    @Test
    void endpointsParseAndPrintBack() {
        assertThat(Endpoint.parse("unix:/run/molt/w.sock")).isEqualTo(new Endpoint(Endpoint.Scheme.UNIX, null, 0, "/run/molt/w.sock"));
        assertThat(Endpoint.parse("tcp://127.0.0.2:7001")).isEqualTo(new Endpoint(Endpoint.Scheme.TCP, "127.0.0.2", 7001, null));
        assertThat(Endpoint.parse("TLS://workers.molt.test:7000").toString()).isEqualTo("tls://workers.molt.test:7000");
        assertThat(Endpoint.parse("tcp://[::1]:7001").host()).isEqualTo("::1");
        assertThat(Endpoint.parse("tcp://[::1]:7001").toString()).isEqualTo("tcp://[::1]:7001");
        assertThat(Endpoint.parse("tcp://127.0.0.2:7001").hostIsLiteral()).isTrue();
        assertThat(Endpoint.parse("tcp://workers:7001").hostIsLiteral()).isFalse();
    }

    @Test
    void invalidEndpointsAreRejectedSayingWhy() {
        for (String bad : List.of("", "unix:", "unix:relative.sock", "http://h:1", "tcp://h", "tcp://h:0", "tcp://h:65536",
                "tcp://h:80/path", "tcp://user@h:80", "tcp://[::1:80", "tcp://[zz]:80", "tcp://:80", "tcp://h:8a",
                "tcp://h:123456", "tcp://" + "a".repeat(300) + ":1")) {
            assertThatThrownBy(() -> Endpoint.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Invalid endpoint");
        }
        assertThatThrownBy(() -> Endpoint.parse("tcp://h:1" + "1".repeat(5000))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void connectionsFollowTheAddressesOfANameAsTheyChange() throws Exception {
        try (ServerSocket two = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"))) {
            int port = two.getLocalPort();
            try (ServerSocket three = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.3"))) {
                AtomicReference<List<String>> dns = new AtomicReference<>(List.of("127.0.0.2"));
                AtomicLong now = new AtomicLong();
                ConcurrentLinkedQueue<String> lookups = new ConcurrentLinkedQueue<>();
                EndpointsTransport.Resolver resolver = host -> {
                    lookups.add(host);
                    if (dns.get().isEmpty()) {
                        throw new UnknownHostException(host);
                    }
                    List<InetAddress> out = new ArrayList<>();
                    for (String a : dns.get()) {
                        out.add(InetAddress.getByName(a));
                    }
                    return out.toArray(InetAddress[]::new);
                };
                EndpointsTransport t = new EndpointsTransport(List.of(Endpoint.parse("tcp://workers.molt.test:" + port)),
                        new SocketSettings(null, true, Duration.ofSeconds(10)), 1, Duration.ofSeconds(30).toNanos(),
                        now::get, resolver);
                assertThat(t.slotCount()).isEqualTo(1);
                Connection c1 = t.open();
                assertThat(c1.toString()).contains("127.0.0.2");
                // the name moves (a rescheduled pod): the next open after the refresh goes to the new address
                dns.set(List.of("127.0.0.3"));
                now.addAndGet(Duration.ofSeconds(31).toNanos());
                Connection c2 = t.open();
                assertThat(c2.toString()).contains("127.0.0.3");
                assertThat(t.targets()).containsExactly("tcp://workers.molt.test:" + port + "/127.0.0.3");
                // two addresses: the one with fewer connections gets the next one
                dns.set(List.of("127.0.0.2", "127.0.0.3"));
                now.addAndGet(Duration.ofSeconds(31).toNanos());
                Connection c3 = t.open();
                assertThat(c3.toString()).contains("127.0.0.2");
                c3.ready(); // as if a worker had answered its readiness ping: a drop after that ejects nothing
                c3.kill();
                Connection c4 = t.open();
                assertThat(c4.toString()).as("reconnects to the address it lost").contains("127.0.0.2");
                // resolution failing keeps the known addresses
                dns.set(List.of());
                now.addAndGet(Duration.ofSeconds(31).toNanos());
                int before = lookups.size();
                Connection c5 = t.open();
                assertThat(lookups.size()).isEqualTo(before + 1);
                assertThat(t.targets()).hasSize(2);
                for (Connection c : List.of(c1, c2, c4, c5)) {
                    c.kill();
                    assertThat(c.isAlive()).isFalse();
                }
            }
        }
    }

    @Test
    void aRefusedConnectFailsAtOnceAndResolvesAgain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            port = s.getLocalPort();
        }
        AtomicLong lookups = new AtomicLong();
        EndpointsTransport t = new EndpointsTransport(List.of(Endpoint.parse("tcp://workers.molt.test:" + port)),
                new SocketSettings(null, true, Duration.ofSeconds(10)), 1, Duration.ofSeconds(30).toNanos(),
                System::nanoTime, host -> {
                    lookups.incrementAndGet();
                    return new InetAddress[] {InetAddress.getByName("127.0.0.2")};
                });
        assertThatThrownBy(t::open).isInstanceOf(IOException.class).hasMessageContaining("127.0.0.2")
                .hasMessageContaining("refused");
        long after = lookups.get();
        assertThatThrownBy(t::open).isInstanceOf(IOException.class);
        assertThat(lookups.get()).as("resolved again after the failed connect").isEqualTo(after + 1);
        assertThat(new Socket().isConnected()).isFalse();
    }
}
