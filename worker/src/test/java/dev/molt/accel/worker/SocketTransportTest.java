package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real worker processes listening on Unix sockets and loopback TCP, with real socket clients. */
class SocketTransportTest {

    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<WorkerProcess> started = new ArrayList<>();
    private final List<SocketClient> clients = new ArrayList<>();

    private WorkerProcess worker(String... args) {
        WorkerProcess p = WorkerProcess.testWorker(Map.of(), args);
        started.add(p);
        return p;
    }

    private SocketClient client(String address) {
        SocketClient c = SocketClient.connect(address);
        clients.add(c);
        return c;
    }

    @AfterEach
    void noWorkerOutlivesItsTest() {
        clients.forEach(SocketClient::close);
        for (WorkerProcess p : started) {
            p.close();
            assertThat(p.process.isAlive()).isFalse();
        }
    }

    private String sock() {
        return "unix:" + dir.resolve("w.sock");
    }

    /** Waits until a {@code touch} request has started running (it writes a line first). */
    private static void awaitLines(Path file, int n) {
        await().atMost(EXIT).until(() -> Files.exists(file) && Files.readAllLines(file).size() >= n);
    }

    private static Map<String, Object> touch(Path file, long sleepMs) {
        return map("file", file.toString(), "sleep_ms", sleepMs);
    }

    @Test
    void unixSocketSessionPingsCallsAndCancels() throws Exception {
        WorkerProcess w = worker("--listen", sock(), "--threads", "2");
        assertThat(w.listeningOn(1)).containsExactly(sock());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("w.sock"))))
                .as("only the owner may connect").isEqualTo("rw-------");
        FrameChannel c = client(sock()).channel;
        assertThat(c.call(ping(1)).status()).isEqualTo(Status.OK);
        ResponseEnvelope compute = c.call(msgpack(2, "compute", 0, map("values", "1,2,3.5", "scale", 2, "offset", 1)));
        assertThat(Requests.resultMap(compute)).containsEntry("scaled", List.of(3.0, 5.0, 8.0));

        Path started = dir.resolve("started.txt");
        c.send(Wire.MSGPACK, msgpack(3, "touch", 0, touch(started, 30_000)));
        awaitLines(started, 1);
        c.send(Wire.MSGPACK, Requests.cancel(3));
        List<ResponseEnvelope> got = c.next(2);
        assertThat(got).filteredOn(ResponseEnvelope::isCancelAck).hasSize(1);
        assertThat(got).filteredOn(r -> !r.isCancelAck()).extracting(ResponseEnvelope::status)
                .containsExactly(Status.CANCELLED);
        assertThat(w.process.isAlive()).isTrue();
    }

    @Test
    void twoConnectionsWithTheSameRequestIdsDoNotMeet() {
        WorkerProcess w = worker("--listen", sock(), "--threads", "2");
        w.listeningOn(1);
        FrameChannel a = client(sock()).channel;
        FrameChannel b = client(sock()).channel;
        a.send(Wire.MSGPACK, msgpack(7, "sleep", 0, Map.of("ms", 1500)));
        // b's cancel of "its" 7 knows nothing of a's 7: acknowledged, no effect
        b.send(Wire.MSGPACK, Requests.cancel(7));
        assertThat(b.next().isCancelAck()).isTrue();
        ResponseEnvelope bs = b.call(msgpack(7, "compute", 0, map("values", List.of(1, 2))));
        assertThat(bs.status()).isEqualTo(Status.OK);
        assertThat(Requests.resultMap(bs)).containsEntry("count", 2);
        ResponseEnvelope as = a.next();
        assertThat(as.requestId()).isEqualTo(7);
        assertThat(as.status()).as(as.toString()).isEqualTo(Status.OK);
        assertThat(Requests.result(as)).isEqualTo(Map.of("slept", 1500));
    }

    @Test
    void oneSharedQueueAnswersBusyAcrossConnections() {
        WorkerProcess w = worker("--listen", sock(), "--threads", "1", "--max-queue", "1");
        w.listeningOn(1);
        Path started = dir.resolve("started.txt");
        FrameChannel a = client(sock()).channel;
        FrameChannel b = client(sock()).channel;
        FrameChannel c = client(sock()).channel;
        a.send(Wire.MSGPACK, msgpack(1, "touch", 0, touch(started, 30_000))); // takes the only thread
        awaitLines(started, 1);
        b.send(Wire.MSGPACK, msgpack(1, "sleep", 0, Map.of("ms", 30_000))); // takes the only queue slot
        await().atMost(EXIT).until(() -> {
            ResponseEnvelope r = c.call(msgpack(2, "count", 0, Map.of()));
            return r.status() == Status.BUSY && "Worker queue full".equals(r.error());
        });
        b.send(Wire.MSGPACK, Requests.cancel(1));
        a.send(Wire.MSGPACK, Requests.cancel(1));
        assertThat(b.next(2)).filteredOn(r -> !r.isCancelAck()).extracting(ResponseEnvelope::status)
                .containsExactly(Status.CANCELLED);
        assertThat(a.next(2)).filteredOn(r -> !r.isCancelAck()).extracting(ResponseEnvelope::status)
                .containsExactly(Status.CANCELLED);
        assertThat(c.call(msgpack(3, "count", 0, Map.of())).status()).isEqualTo(Status.OK);
    }

    @Test
    void perConnectionCapAnswersBusyOnThatConnectionOnly() {
        WorkerProcess w = worker("--listen", sock(), "--threads", "2", "--max-in-flight-per-connection", "1");
        w.listeningOn(1);
        FrameChannel a = client(sock()).channel;
        FrameChannel b = client(sock()).channel;
        a.send(Wire.MSGPACK, msgpack(1, "sleep", 0, Map.of("ms", 30_000)));
        ResponseEnvelope capped = a.call(msgpack(2, "count", 0, Map.of()));
        assertThat(capped.status()).isEqualTo(Status.BUSY);
        assertThat(capped.error()).isEqualTo("Too many requests in flight on this connection");
        assertThat(a.call(ping(3)).status()).as("pings are not capped").isEqualTo(Status.OK);
        assertThat(b.call(msgpack(1, "count", 0, Map.of())).status()).isEqualTo(Status.OK);
    }

    @Test
    void connectionsBeyondTheMaximumAreClosedAtOnce() {
        WorkerProcess w = worker("--listen", sock(), "--max-connections", "1");
        w.listeningOn(1);
        SocketClient first = client(sock());
        assertThat(first.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        SocketClient second = client(sock());
        try {
            second.channel.send(Wire.MSGPACK, ping(1));
        } catch (RuntimeException e) {
            // the worker may have closed it before the write
        }
        assertThat(second.channel.awaitEof(EXIT)).as("refused: closed without an answer").isEmpty();
        assertThat(first.channel.call(ping(2)).status()).isEqualTo(Status.OK);
        first.close();
        // once the first is gone, its slot is free again
        await().atMost(EXIT).until(() -> {
            try (SocketClient again = SocketClient.connect(sock())) {
                again.channel.send(Wire.MSGPACK, ping(5));
                return again.channel.nextFrameOrNull(Duration.ofSeconds(5)) != null;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @Test
    void idleConnectionsAreClosedButNotWhileARequestRuns() {
        WorkerProcess w = worker("--listen", sock(), "--idle-timeout", "1s");
        w.listeningOn(1);
        FrameChannel idle = client(sock()).channel;
        long t0 = System.nanoTime();
        assertThat(idle.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(idle.awaitEof(EXIT)).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(900L);

        FrameChannel busy = client(sock()).channel;
        ResponseEnvelope slept = busy.call(msgpack(1, "sleep", 0, Map.of("ms", 2500)));
        assertThat(slept.status()).as("a request longer than the idle timeout keeps its connection").isEqualTo(Status.OK);
        assertThat(busy.awaitEof(EXIT)).isEmpty();
    }

    @Test
    void loopbackTcpIsServedAndPlaintextElsewhereIsRefused() {
        WorkerProcess refused = worker("--listen", "tcp://0.0.0.0:0");
        assertThat(refused.awaitExit(EXIT)).isEqualTo(2);
        assertThat(refused.stderr()).contains("refusing plaintext tcp://0.0.0.0:0 on a non-loopback address")
                .doesNotContain("Exception").doesNotContain("\tat ");

        WorkerProcess envRefused = WorkerProcess.testWorker(Map.of("MOLT_WORKER_LISTEN", "tcp://0.0.0.0:0"));
        started.add(envRefused);
        assertThat(envRefused.awaitExit(EXIT)).isEqualTo(2);

        WorkerProcess w = worker("--listen", "tcp://127.0.0.1:0", "--listen", sock());
        List<String> addresses = w.listeningOn(2);
        assertThat(addresses.get(0)).matches("tcp://127\\.0\\.0\\.1:[1-9][0-9]*");
        FrameChannel c = client(addresses.get(0)).channel;
        assertThat(c.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(c.call(msgpack(2, "compute", 0, map("values", List.of(1)))).status()).isEqualTo(Status.OK);
        assertThat(client(addresses.get(1)).channel.call(ping(1)).status()).isEqualTo(Status.OK);
    }

    @Test
    void aStaleSocketFileIsReplacedALiveOneOrAFileIsNot() throws Exception {
        Path path = dir.resolve("w.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(path));
            WorkerProcess second = worker("--listen", sock());
            assertThat(second.awaitExit(EXIT)).isEqualTo(1);
            assertThat(second.stderr()).contains("another process is listening on it");
        }
        assertThat(path).as("closing a listener leaves its file behind: a stale socket").exists();
        WorkerProcess w = worker("--listen", sock());
        w.listeningOn(1);
        assertThat(client(sock()).channel.call(ping(1)).status()).isEqualTo(Status.OK);

        Path file = dir.resolve("file.sock");
        Files.writeString(file, "not a socket");
        WorkerProcess onFile = worker("--listen", "unix:" + file);
        assertThat(onFile.awaitExit(EXIT)).isEqualTo(1);
        assertThat(onFile.stderr()).contains("exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("not a socket");
    }

    @Test
    void sigtermFinishesTheRequestInFlightThenExitsZero() {
        WorkerProcess w = worker("--listen", sock(), "--drain-timeout", "20s");
        w.listeningOn(1);
        FrameChannel c = client(sock()).channel;
        Path started = dir.resolve("started.txt");
        c.send(Wire.MSGPACK, msgpack(1, "touch", 0, touch(started, 1500)));
        awaitLines(started, 1);
        w.process.toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of its stderr)
        ResponseEnvelope r = c.next();
        assertThat(r.requestId()).isEqualTo(1);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.OK);
        assertThat(c.awaitEof(EXIT)).isEmpty();
        assertThat(w.awaitExit(EXIT)).isZero();
        assertThat(dir.resolve("w.sock")).as("the socket file is removed").doesNotExist();
        assertThat(w.stderr()).contains("molt-worker: stopping (SIGTERM): 1 request(s) in flight on 1 connection(s)")
                .contains("molt-worker: stopped");
    }

    @Test
    void sigtermAnswersWhatOutlivesTheDrainTimeout() {
        WorkerProcess w = worker("--listen", sock(), "--drain-timeout", "500ms");
        w.listeningOn(1);
        FrameChannel c = client(sock()).channel;
        Path started = dir.resolve("started.txt");
        c.send(Wire.MSGPACK, msgpack(1, "touch", 0, touch(started, 60_000)));
        awaitLines(started, 1);
        w.process.toHandle().destroy();
        ResponseEnvelope r = c.next();
        assertThat(r.status()).isEqualTo(Status.INTERNAL_ERROR);
        assertThat(r.error()).isEqualTo("Worker shut down before the request finished");
        assertThat(w.awaitExit(EXIT)).isZero();
    }

    @Test
    void probeExitCodes() throws Exception {
        WorkerProcess w = worker("--listen", sock(), "--listen", "tcp://127.0.0.1:0");
        List<String> addresses = w.listeningOn(2);
        for (String a : addresses) {
            // a generous deadline: the probe's cold JVM connects and pings within it (the default is 1 s)
            WorkerProcess probe = WorkerProcess.main("--probe", a, "--probe-timeout", "30s");
            started.add(probe);
            assertThat(probe.awaitExit(EXIT)).as("probe " + a + ": " + probe.stderr()).isZero();
        }
        WorkerProcess missing = WorkerProcess.main("--probe", "unix:" + dir.resolve("none.sock"));
        started.add(missing);
        assertThat(missing.awaitExit(EXIT)).isEqualTo(1);
        assertThat(missing.stderr()).startsWith("molt-worker: probe unix:");

        int freePort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            freePort = s.getLocalPort();
        }
        WorkerProcess closed = WorkerProcess.main("--probe", "tcp://127.0.0.1:" + freePort, "--probe-timeout", "2s");
        started.add(closed);
        assertThat(closed.awaitExit(EXIT)).isEqualTo(1);

        // a server that accepts and never answers: the probe gives up after its timeout
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            WorkerProcess hung = WorkerProcess.main("--probe", "tcp://127.0.0.1:" + silent.getLocalPort(),
                    "--probe-timeout", "500ms");
            started.add(hung);
            assertThat(hung.awaitExit(EXIT)).isEqualTo(1);
            assertThat(hung.stderr()).contains("no answer within 500 ms");
        }
    }

    @Test
    void manyConnectionsAtOnceEachGetTheirOwnAnswers() throws Exception {
        WorkerProcess w = worker("--listen", sock(), "--threads", "2");
        w.listeningOn(1);
        int connections = 32;
        int calls = 20;
        List<java.util.concurrent.CompletableFuture<Void>> done = new ArrayList<>();
        for (int k = 0; k < connections; k++) {
            FrameChannel c = client(sock()).channel;
            int n = k;
            done.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                for (int i = 1; i <= calls; i++) {
                    c.send(Wire.MSGPACK, msgpack(i, "compute", 0, map("values", List.of(n, i))));
                }
                List<ResponseEnvelope> got = c.next(calls);
                for (ResponseEnvelope r : got) {
                    assertThat(r.status()).isEqualTo(Status.OK);
                    assertThat(Requests.resultMap(r)).containsEntry("scaled",
                            List.of((double) n, (double) r.requestId()));
                }
                assertThat(got).extracting(ResponseEnvelope::requestId).doesNotHaveDuplicates().hasSize(calls);
            }));
        }
        java.util.concurrent.CompletableFuture.allOf(done.toArray(java.util.concurrent.CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatDisconnectsCancelsItsRequestsAndABadFrameEndsOnlyItsConnection() {
        WorkerProcess w = worker("--listen", sock(), "--threads", "2");
        w.listeningOn(1);
        FrameChannel observer = client(sock()).channel;
        SocketClient leaving = client(sock());
        Path started = dir.resolve("started.txt");
        leaving.channel.send(Wire.MSGPACK, msgpack(1, "touch", 0, touch(started, 30_000)));
        awaitLines(started, 1);
        leaving.close();
        // the cooperative sleep saw its cancellation: nothing is left running
        await().atMost(EXIT).until(() -> {
            Map<String, Object> stats = Requests.resultMap(observer.call(msgpack(2, "stats", 0, Map.of())));
            return ((Number) stats.get("running")).longValue() == 0
                    && ((Number) stats.get("cancel_observed")).longValue() >= 1;
        });

        SocketClient hostile = client(sock());
        hostile.channel.sendRaw(dev.molt.accel.protocol.SharedVectors.hex("01000004")); // > 64 MiB: never allocated
        assertThat(hostile.channel.awaitEof(EXIT)).isEmpty();
        assertThat(observer.call(ping(3)).status()).as("other connections go on").isEqualTo(Status.OK);
        assertThat(w.process.isAlive()).isTrue();
    }

    @Test
    void stdioAndASocketServeTogetherAndTheEndOfStdinStopsBoth() {
        WorkerProcess w = worker("--stdio", "--listen", sock());
        w.listeningOn(1);
        assertThat(w.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        FrameChannel s = client(sock()).channel;
        assertThat(s.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(w.closeInputAndAwaitEof()).isEmpty();
        assertThat(w.awaitExit(EXIT)).isZero();
        assertThat(s.awaitEof(EXIT)).isEmpty();
    }
}
