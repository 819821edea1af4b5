package dev.molt.accel.cli;

import static dev.molt.accel.cli.MoltAccelCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --endpoint} against one bundled worker process serving a Unix socket, loopback TCP and
 * mutual TLS (self-signed certificates made with keytool, each trusted as its own CA).
 */
class EndpointCliTest {

    private static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;
    static Process worker;
    static StringBuffer stderr = new StringBuffer();
    static List<String> addresses = new ArrayList<>();

    @BeforeAll
    static void startWorker() throws Exception {
        selfSigned("server", "san=ip:127.0.0.1", "serverAuth");
        selfSigned("client", null, "clientAuth");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:all=warning:stderr", "-cp", System.getProperty("java.class.path"),
                "dev.molt.accel.worker.MoltWorkerMain", "--stdio", "--listen", "unix:" + dir.resolve("w.sock"),
                "--listen", "tcp://127.0.0.1:0", "--listen", "tls://127.0.0.1:0", "--tls-cert",
                dir.resolve("server.crt").toString(), "--tls-key", dir.resolve("server.key").toString(),
                "--tls-client-ca", dir.resolve("client.crt").toString()));
        worker = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try (InputStream in = worker.getErrorStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // gone
            }
        });
        t.setDaemon(true);
        t.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            assertThat(worker.isAlive()).as(stderr.toString()).isTrue();
            addresses.clear();
            for (String line : stderr.toString().split("\\R")) {
                if (line.startsWith("molt-worker: listening on ")) {
                    addresses.add(line.substring("molt-worker: listening on ".length()).trim());
                }
            }
            return addresses.size() == 3;
        });
    }

    @AfterAll
    static void stopWorker() throws Exception {
        worker.getOutputStream().close();
        if (!worker.waitFor(20, TimeUnit.SECONDS)) {
            worker.destroyForcibly();
        }
    }

    private static String address(String scheme) {
        return addresses.stream().filter(a -> a.startsWith(scheme)).findFirst().orElseThrow();
    }

    @Test
    void pingCallAndLoadOverUnixAndTcp() {
        for (String a : List.of(address("unix:"), address("tcp:"))) {
            MoltAccelCliTest.Result ping = run("ping", "--endpoint", a, "--count", "3");
            assertThat(ping.exitCode()).as(ping.err()).isZero();
            MoltAccelCliTest.Result call = run("call", "--endpoint", a, "--entry", "compute", "--codec", "msgpack",
                    "--json", "{\"values\":[1,2,3],\"scale\":2}");
            assertThat(call.exitCode()).as(call.err()).isZero();
            assertThat(call.out()).contains("12");
            // a generous deadline: the default (250 ms) can be missed on a loaded machine
            MoltAccelCliTest.Result load = run("--timeout-ms", "30000", "load", "--endpoint", a, "--requests", "2000",
                    "--format", "json");
            assertThat(load.exitCode()).as(load.err()).isZero();
            assertThat(load.out()).contains("\"ok\"");
            MoltAccelCliTest.Result exports = run("exports", "--endpoint", a);
            assertThat(exports.exitCode()).as(exports.err()).isZero();
            assertThat(exports.out()).contains("compute\tmsgpack -> msgpack");
        }
    }

    @Test
    void mutualTlsWithPemFiles() {
        String tls = address("tls:");
        MoltAccelCliTest.Result ok = run("ping", "--endpoint", tls, "--tls-ca", dir.resolve("server.crt").toString(),
                "--tls-cert", dir.resolve("client.crt").toString(), "--tls-key", dir.resolve("client.key").toString());
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        // without the client certificate the worker refuses: worker unavailable (exit code 9)
        MoltAccelCliTest.Result noCert = run("--timeout-ms", "20000", "ping", "--endpoint", tls, "--tls-ca",
                dir.resolve("server.crt").toString());
        assertThat(noCert.exitCode()).as(noCert.err()).isEqualTo(9);
        // a server this CA did not sign
        MoltAccelCliTest.Result wrongCa = run("ping", "--endpoint", tls, "--tls-ca", dir.resolve("client.crt").toString(),
                "--tls-cert", dir.resolve("client.crt").toString(), "--tls-key", dir.resolve("client.key").toString());
        assertThat(wrongCa.exitCode()).as(wrongCa.err()).isEqualTo(9);
    }

    @Test
    void badEndpointsAndTlsFilesAreUsageErrors() {
        MoltAccelCliTest.Result bad = run("ping", "--endpoint", "tcp://127.0.0.1");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("Invalid endpoint");
        MoltAccelCliTest.Result half = run("ping", "--endpoint", address("tls:"), "--tls-cert",
                dir.resolve("client.crt").toString());
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err()).contains("--tls-cert and --tls-key go together");
        MoltAccelCliTest.Result notKey = run("ping", "--endpoint", address("tls:"), "--tls-cert",
                dir.resolve("client.crt").toString(), "--tls-key", dir.resolve("client.crt").toString());
        assertThat(notKey.exitCode()).isEqualTo(2);
        assertThat(notKey.err()).contains("PKCS#8");
    }

    private static void selfSigned(String name, String san, String eku) throws Exception {
        Path store = dir.resolve(name + ".p12");
        List<String> gen = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + name, "-validity", "2", "-ext", "eku=" + eku, "-keystore", store.toString()));
        if (san != null) {
            gen.add("-ext");
            gen.add(san);
        }
        keytool(gen);
        keytool(List.of("-exportcert", "-rfc", "-alias", name, "-keystore", store.toString(), "-file",
                dir.resolve(name + ".crt").toString()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        Key k = ks.getKey(name, PASSWORD.toCharArray());
        Files.writeString(dir.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(k.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    private static void keytool(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(args);
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
