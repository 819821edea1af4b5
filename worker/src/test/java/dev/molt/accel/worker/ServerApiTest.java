package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server API for users' own workers, in process: {@code MoltWorker.builder().listen(...).build().start()}. */
class ServerApiTest {

    @TempDir
    Path dir;

    @Test
    void startServeAndShutDownWithARequestInFlight() throws Exception {
        Path sock = dir.resolve("api.sock");
        MoltWorker worker = Requests.testWorker().listen("unix:" + sock, "tcp://127.0.0.1:0").socketMode("0660")
                .drainTimeout(Duration.ofSeconds(20)).build();
        MoltWorkerServer server = worker.start();
        try {
            assertThat(server.addresses()).hasSize(2);
            assertThat(server.addresses().get(0)).isEqualTo("unix:" + sock);
            assertThat(server.addresses().get(1)).matches("tcp://127\\.0\\.0\\.1:[1-9][0-9]*");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-rw----");
            assertThatThrownBy(() -> Requests.testWorker().listen("unix:" + sock).build().start())
                    .hasMessageContaining("another process is listening on it");

            SocketClient c = SocketClient.connect(server.addresses().get(1));
            assertThat(c.channel.call(ping(1)).status()).isEqualTo(Status.OK);
            // the probe of the second start above is a connection too, closed by now on the client's side
            await(() -> server.openConnections() == 1);
            c.channel.send(Wire.MSGPACK, msgpack(2, "sleep", 0, Map.of("ms", 800)));
            await(() -> server.openConnections() == 1);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::shutdown);
            ResponseEnvelope r = c.channel.next();
            assertThat(r.requestId()).isEqualTo(2);
            assertThat(r.status()).as("the request in flight finishes during the drain").isEqualTo(Status.OK);
            stopped.get(30, TimeUnit.SECONDS);
            assertThat(server.awaitTermination(Duration.ZERO)).isTrue();
            assertThat(c.channel.awaitEof(Duration.ofSeconds(30))).isEmpty();
            assertThat(sock).doesNotExist();
            c.close();
        } finally {
            server.close();
        }
        // the port and the path are free again
        Requests.testWorker().listen("unix:" + sock).build().start().close();
    }

    private static void await(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(condition);
    }

    @Test
    void anRsaPkcs1KeyIsReadLikeItsPkcs8Form() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        PrivateKey key = g.generateKeyPair().getPrivate();
        byte[] pkcs1 = pkcs1Of(key.getEncoded());
        Path pem = dir.resolve("rsa.key");
        Files.writeString(pem, "-----BEGIN RSA PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs1)
                + "\n-----END RSA PRIVATE KEY-----\n");
        assertThat(TlsFiles.privateKey(pem).getEncoded()).isEqualTo(key.getEncoded());

        Path encrypted = dir.resolve("enc.key");
        Files.writeString(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsFiles.privateKey(encrypted)).hasMessageContaining("unencrypted PKCS#8");
        Path huge = dir.resolve("huge.pem");
        Files.write(huge, new byte[TlsFiles.MAX_PEM_BYTES + 1]);
        assertThatThrownBy(() -> TlsFiles.certificates(huge)).hasMessageContaining("not a PEM file");
    }

    /** The OCTET STRING inside a PKCS#8 PrivateKeyInfo (version, algorithm, then the key). */
    private static byte[] pkcs1Of(byte[] pkcs8) {
        int[] pos = {0};
        readHeader(pkcs8, pos); // SEQUENCE
        skip(pkcs8, pos); // version
        skip(pkcs8, pos); // AlgorithmIdentifier
        int len = readHeader(pkcs8, pos); // OCTET STRING
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(pkcs8, pos[0], len);
        return out.toByteArray();
    }

    private static int readHeader(byte[] der, int[] pos) {
        pos[0]++; // tag
        int first = der[pos[0]++] & 0xFF;
        if (first < 0x80) {
            return first;
        }
        int n = first & 0x7F;
        byte[] len = new byte[n];
        System.arraycopy(der, pos[0], len, 0, n);
        pos[0] += n;
        return new BigInteger(1, len).intValueExact();
    }

    private static void skip(byte[] der, int[] pos) {
        int len = readHeader(der, pos);
        pos[0] += len;
    }
}
