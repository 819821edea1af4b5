package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS endpoints against one real worker with keytool-made certificates: mutual TLS that works,
 * and every way it must not (no client certificate, a server of an untrusted CA, a certificate
 * that does not name the host dialled, a plaintext client on the TLS port), each failing fast with
 * {@link MoltWorkerUnavailableException}.
 */
class TlsEndpointsTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

    @TempDir
    static Path dir;
    static TestCerts certs;
    static SocketWorker worker;
    /** tls on 127.0.0.1 requiring a client certificate of ca, then plain TLS on 127.0.0.2. */
    static List<String> addresses;

    @BeforeAll
    static void startWorker() {
        certs = TestCerts.create(dir);
        List<String> args = new ArrayList<>(certs.serverArgs("tls://127.0.0.1:0", true));
        worker = SocketWorker.start(args.toArray(String[]::new));
        addresses = worker.addresses(1);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
    }

    private static MoltClientBuilder client(String endpoint) {
        return MoltClient.builder().endpoints(endpoint).startTimeout(Duration.ofSeconds(20))
                .connectTimeout(Duration.ofSeconds(10)).closeTimeout(Duration.ofSeconds(5));
    }

    private static void assertFailsFast(MoltClient c, String... messageParts) {
        long t0 = System.nanoTime();
        var thrown = assertThatThrownBy(() -> c.call("echo", map("x", 1), SLOW))
                .isInstanceOf(MoltWorkerUnavailableException.class);
        for (String part : messageParts) {
            thrown.hasMessageContaining(part);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(25));
    }

    @Test
    void mutualTlsRoundTripWithHostnameVerification() {
        try (MoltClient c = client(addresses.get(0)).sslContext(certs.clientContext("client", "ca")).build()) {
            assertThat(c.call("echo", map("x", 1), SLOW).value()).isEqualTo(map("x", 1));
            assertThat(c.call("echo", map("y", 2), SLOW).value()).isEqualTo(map("y", 2));
        }
    }

    @Test
    void missingClientCertificateIsRefused() {
        try (MoltClient c = client(addresses.get(0)).sslContext(certs.clientContext(null, "ca")).build()) {
            // the server refuses after the TLS 1.3 handshake: the client sees its alert or a broken connection
            assertFailsFast(c, "did not become ready");
        }
    }

    @Test
    void serverOfAnotherCaIsNotTrusted() {
        try (MoltClient c = client(addresses.get(0)).sslContext(certs.clientContext("stranger", "other-ca")).build()) {
            assertFailsFast(c, "cannot connect to " + addresses.get(0));
        }
    }

    @Test
    void certificateMustNameTheHostDialled() {
        try (SocketWorker other = SocketWorker.start(certs.serverArgs("tls://127.0.0.2:0", "elsewhere", false)
                .toArray(String[]::new))) {
            String address = other.address();
            try (MoltClient c = client(address).sslContext(certs.clientContext("client", "ca")).build()) {
                assertFailsFast(c, "cannot connect to " + address, "127.0.0.2");
            }
            // the same CA, verification turned off: the certificate's name no longer matters
            try (MoltClient c = client(address).sslContext(certs.clientContext("client", "ca")).verifyHostname(false)
                    .build()) {
                assertThat(c.call("echo", map("x", 2), SLOW).value()).isEqualTo(map("x", 2));
            }
        }
    }

    @Test
    void plaintextClientOnTheTlsPortGetsAClearMessage() {
        String plain = "tcp://" + addresses.get(0).substring("tls://".length());
        try (MoltClient c = client(plain).build()) {
            assertFailsFast(c, "did not become ready", "it is a TLS port");
        }
    }
}
