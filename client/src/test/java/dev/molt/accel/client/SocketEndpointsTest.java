package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients over sockets to real worker processes on loopback (127.0.0.1-3) and on Unix sockets:
 * round trips, cancellation, balancing, a worker killed and restarted under load, and peers that
 * are no worker.
 */
class SocketEndpointsTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();
    private static final CallOptions IDEMPOTENT = CallOptions.builder().timeout(Duration.ofSeconds(30))
            .idempotent(true).build();

    @TempDir
    Path dir;

    private static MoltClientBuilder client(String... endpoints) {
        return MoltClient.builder().endpoints(endpoints).closeTimeout(Duration.ofSeconds(5))
                .startTimeout(Duration.ofSeconds(30));
    }

    @SuppressWarnings("unchecked")
    private static long stat(String endpoint, String key) {
        try (MoltClient c = client(endpoint).build()) {
            return ((Number) ((Map<String, Object>) c.call("stats", map(), SLOW).value()).get(key)).longValue();
        }
    }

    @Test
    void unixSocketRoundTripAndCancelOnClientTimeout() {
        String sock = "unix:" + dir.resolve("w.sock");
        try (SocketWorker w = SocketWorker.start("--listen", sock)) {
            assertThat(w.address()).isEqualTo(sock);
            try (MoltClient c = client(sock).build()) {
                assertThat(c.call("echo", map("a", 1, "b", "x"), SLOW).value()).isEqualTo(map("a", 1, "b", "x"));
                CallOptions oneSecond = CallOptions.builder().timeout(Duration.ofSeconds(1)).build();
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> c.call("sleep", map("ms", 60_000, "cooperative", true), oneSecond))
                        .isInstanceOf(MoltTimeoutException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
                // the worker saw the __cancel__ of the timed-out call and stopped the sleep
                await().atMost(Duration.ofSeconds(30)).until(() -> stat(sock, "cancel_observed") >= 1);
                // the sleep counts the cancel it saw, then leaves: "running" drops a moment later
                await().atMost(Duration.ofSeconds(30)).until(() -> stat(sock, "running") == 0);
                // the connection is still good
                assertThat(c.call("echo", map("again", true), SLOW).value()).isEqualTo(map("again", true));
                assertThat(c.stats().restarts()).isZero();
            }
        }
    }

    @Test
    void tcpCallsSpreadOverThreeWorkers() throws Exception {
        List<SocketWorker> workers = new ArrayList<>();
        try {
            List<String> addresses = new ArrayList<>();
            for (String host : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")) {
                SocketWorker w = SocketWorker.start("--listen", "tcp://" + host + ":0");
                workers.add(w);
            }
            for (SocketWorker w : workers) {
                addresses.add(w.address());
            }
            try (MoltClient c = client(addresses.toArray(String[]::new)).build()) {
                assertThat(c).isInstanceOf(MoltClientPool.class);
                assertThat(((MoltClientPool) c).size()).isEqualTo(3);
                c.start();
                List<CompletableFuture<MoltResult>> calls = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    calls.add(c.callAsync(i % 2 == 0 ? "sleep" : "count", map("ms", 5), SLOW));
                }
                for (CompletableFuture<MoltResult> f : calls) {
                    assertThat(f.get(60, TimeUnit.SECONDS).value()).isNotNull();
                }
                assertThat(c.stats().workers()).isEqualTo(3);
            }
            // each worker ran a share of the counts: asked through a connection of its own
            long total = 0;
            for (String a : addresses) {
                long n = stat(a, "count");
                assertThat(n).as("calls of 'count' run by " + a).isPositive();
                total += n;
            }
            assertThat(total).isEqualTo(150);
        } finally {
            workers.forEach(SocketWorker::close);
        }
    }

    @Test
    void workerKilledUnderLoadLosesNoIdempotentCallAndTakesTrafficAfterRestart() throws Exception {
        SocketWorker a = SocketWorker.start("--listen", "tcp://127.0.0.1:0");
        SocketWorker b = SocketWorker.start("--listen", "tcp://127.0.0.2:0");
        SocketWorker c0 = SocketWorker.start("--listen", "tcp://127.0.0.3:0");
        SocketWorker restarted = null;
        ExecutorService load = Executors.newFixedThreadPool(8);
        try {
            String third = c0.address();
            List<String> addresses = List.of(a.address(), b.address(), third);
            try (MoltClient client = client(addresses.toArray(String[]::new))
                    .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(500)).build()) {
                client.start();
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicLong ok = new AtomicLong();
                ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
                List<CompletableFuture<?>> loops = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    loops.add(CompletableFuture.runAsync(() -> {
                        while (running.get()) {
                            try {
                                client.call("count", map(), IDEMPOTENT);
                                ok.incrementAndGet();
                            } catch (RuntimeException e) {
                                failures.add(e);
                            }
                        }
                    }, load));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() > 300);
                c0.kill();
                long afterKill = ok.get();
                await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() > afterKill + 300);
                assertThat(failures).as("failures after the kill").isEmpty();
                // the same port again: the pool reconnects and sends it calls
                restarted = SocketWorker.start("--listen", third);
                assertThat(restarted.address()).isEqualTo(third);
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> client.stats().workers() == 3);
                long before = ok.get();
                await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() > before + 300);
                running.set(false);
                for (CompletableFuture<?> f : loops) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertThat(failures).as("failures").isEmpty();
            }
            // the restarted worker ran some of the load (its counter is its own)
            assertThat(stat(third, "count")).isPositive();
        } finally {
            load.shutdownNow();
            a.close();
            b.close();
            c0.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    @Test
    void refusedEndpointFailsFastWithUnavailable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (MoltClient c = client("tcp://127.0.0.1:" + port).build()) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> c.call("echo", map(), SLOW)).isInstanceOf(MoltWorkerUnavailableException.class)
                    .hasMessageContaining("tcp://127.0.0.1:" + port);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void unixSocketThatIsNoWorkerFailsWithoutHanging() throws Exception {
        Path garbagePath = dir.resolve("garbage.sock");
        Path closerPath = dir.resolve("closer.sock");
        try (ServerSocketChannel garbage = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                ServerSocketChannel closer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            garbage.bind(UnixDomainSocketAddress.of(garbagePath));
            closer.bind(UnixDomainSocketAddress.of(closerPath));
            Thread g = serve(garbage, ch -> {
                // a frame that claims 16 bytes and is no envelope, then more than the frame limit claims
                ch.write(ByteBuffer.wrap(new byte[] {16, 0, 0, 0, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1,
                        (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1,
                        (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1, (byte) 0xC1}));
            });
            Thread cl = serve(closer, ch -> { });
            for (Path p : List.of(garbagePath, closerPath)) {
                try (MoltClient c = client("unix:" + p).build()) {
                    long t0 = System.nanoTime();
                    assertThatThrownBy(() -> c.call("echo", map(), SLOW))
                            .isInstanceOfAny(MoltWorkerUnavailableException.class, MoltProtocolException.class)
                            .hasMessageContaining("did not become ready");
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
                }
            }
            garbage.close();
            closer.close();
            g.join(10_000);
            cl.join(10_000);
        }
    }

    interface Handler {
        void handle(SocketChannel ch) throws IOException;
    }

    /** Accepts connections until the server closes; each gets {@code h}, then is closed. */
    private static Thread serve(ServerSocketChannel server, Handler h) {
        Thread t = new Thread(() -> {
            while (true) {
                try (SocketChannel ch = server.accept()) {
                    h.handle(ch);
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-not-a-worker");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
