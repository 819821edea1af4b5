package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.map;
import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real worker process on {@code tls://127.0.0.1:<port>} with mutual TLS (certificates made
 * with keytool in the test): only a client whose certificate chains to the configured CA reaches
 * the protocol.
 */
class TlsTransportTest {

    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static WorkerProcess worker;
    private static String address;
    private final List<SocketClient> clients = new ArrayList<>();

    @BeforeAll
    static void startWorker() {
        pki = TestPki.create(dir);
        worker = WorkerProcess.testWorker(Map.of("MOLT_WORKER_TLS_CLIENT_CA", pki.crt("ca").toString()),
                "--listen", "tls://127.0.0.1:0", "--tls-cert", pki.crt("server").toString(),
                "--tls-key", pki.key("server").toString());
        address = worker.listeningOn(1).get(0);
        assertThat(address).matches("tls://127\\.0\\.0\\.1:[1-9][0-9]*");
    }

    @AfterAll
    static void stopWorker() {
        worker.process.toHandle().destroy();
        assertThat(worker.awaitExit(EXIT)).isZero();
        worker.close();
    }

    private SocketClient tls(String identity, String trusted) {
        SocketClient c = SocketClient.tls(address, pki.clientContext(identity, trusted));
        clients.add(c);
        return c;
    }

    @org.junit.jupiter.api.AfterEach
    void closeClients() {
        clients.forEach(SocketClient::close);
    }

    /** The worker still answers a good client: a refused one did not disturb it. */
    private void workerStillServes() {
        FrameChannel c = tls("client", "ca").channel;
        assertThat(c.call(ping(99)).status()).isEqualTo(Status.OK);
    }

    /** The client sent a ping and got no frame back: the connection ended in the handshake or right after it. */
    private static void neverReachedTheProtocol(SocketClient c) {
        try {
            c.channel.send(Wire.MSGPACK, ping(1));
        } catch (RuntimeException e) {
            return; // the handshake failed on the client's side already
        }
        assertThat(c.channel.awaitEof(EXIT)).as("no answer").isEmpty();
    }

    @Test
    void aClientWithACertificateFromTheCaIsServedOverTls13() {
        SocketClient c = tls("client", "ca");
        assertThat(c.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(c.channel.call(msgpack(2, "compute", 0, map("values", List.of(1, 2)))).status()).isEqualTo(Status.OK);
    }

    @Test
    void aClientWithoutACertificateNeverReachesTheProtocol() {
        neverReachedTheProtocol(tls(null, "ca"));
        workerStillServes();
    }

    @Test
    void aClientWithACertificateFromAnotherCaNeverReachesTheProtocol() {
        neverReachedTheProtocol(tls("stranger", "ca"));
        workerStillServes();
    }

    @Test
    void aPlaintextClientOnTheTlsPortGetsNoAnswer() {
        SocketClient plain = SocketClient.connect("tcp://" + address.substring("tls://".length()));
        clients.add(plain);
        plain.channel.send(Wire.MSGPACK, ping(1));
        plain.channel.awaitEof(EXIT);
        assertThat(plain.channel.nothingPending()).isTrue();
        workerStillServes();
    }

    @Test
    void theProbeSpeaksTlsWithTheWorkersOwnFiles() {
        // a generous deadline: the probe's own cold JVM loads and runs TLS within it (the default is 1 s)
        WorkerProcess probe = WorkerProcess.main("--probe", address, "--probe-timeout", "30s", "--tls-cert",
                pki.crt("server").toString(), "--tls-key", pki.key("server").toString(), "--tls-client-ca",
                pki.crt("ca").toString());
        try {
            assertThat(probe.awaitExit(EXIT)).as(probe.stderr()).isZero();
        } finally {
            probe.close();
        }
        WorkerProcess noCert = WorkerProcess.main("--probe", address, "--probe-timeout", "5s");
        try {
            assertThat(noCert.awaitExit(EXIT)).as(noCert.stderr()).isEqualTo(1);
        } finally {
            noCert.close();
        }
    }

    @Test
    void theNegotiatedProtocolIsTls13() {
        SocketClient c = tls("client", "ca");
        assertThat(c.channel.call(ping(1)).status()).isEqualTo(Status.OK);
        assertThat(c.tlsProtocol()).isEqualTo("TLSv1.3");
    }
}
