package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.test.worker.TestWorker;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Pools over running workers ({@code molt.accel.endpoints}, {@code molt.accel.workers.<name>.endpoints})
 * against one real worker process serving a Unix socket, loopback TCP and mutual TLS, the TLS keys
 * coming from a Spring Boot PEM SSL bundle ({@code molt.accel.tls.bundle}). No pool starts a process.
 */
class EndpointsAutoConfigurationTests {

    private static final String PASSWORD = "changeit";
    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();

    @TempDir
    static Path dir;
    static Process worker;
    static final StringBuffer stderr = new StringBuffer();
    static final List<String> addresses = new ArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, MoltClientBuilderAutoConfiguration.class,
                    MoltAccelAutoConfiguration.class));

    @BeforeAll
    static void startWorker() throws Exception {
        selfSigned("server", "san=ip:127.0.0.1", "serverAuth");
        selfSigned("client", null, "clientAuth");
        ProcessBuilder pb = new ProcessBuilder(TestWorker.command("--listen", "unix:" + dir.resolve("w.sock"),
                "--listen", "tcp://127.0.0.1:0", "--listen", "tls://127.0.0.1:0", "--tls-cert",
                dir.resolve("server.crt").toString(), "--tls-key", dir.resolve("server.key").toString(),
                "--tls-client-ca", dir.resolve("client.crt").toString()));
        pb.environment().keySet().removeIf(k -> k.startsWith("MOLT_"));
        worker = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
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
    void poolsWithEndpointsReachRunningWorkersAndStartNoProcess() {
        long childrenBefore = ProcessHandle.current().children().count();
        runner.withPropertyValues(
                "molt.accel.endpoints=" + address("tcp:"),
                "molt.accel.connections-per-endpoint=2",
                "molt.accel.workers.local.endpoints=" + address("unix:"),
                "molt.accel.workers.secure.endpoints=" + address("tls:"),
                "molt.accel.workers.secure.tls.bundle=molt",
                "spring.ssl.bundle.pem.molt.truststore.certificate=file:" + dir.resolve("server.crt"),
                "spring.ssl.bundle.pem.molt.keystore.certificate=file:" + dir.resolve("client.crt"),
                "spring.ssl.bundle.pem.molt.keystore.private-key=file:" + dir.resolve("client.key"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltPools pools = context.getBean(MoltPools.class);
                    assertThat(pools.defaultPool().stats().workers()).as("eager start: two connections").isEqualTo(2);
                    for (String pool : List.of("default", "local", "secure")) {
                        assertThat(pools.pool(pool).call("echo", Map.of("pool", pool), SLOW).value())
                                .isEqualTo(Map.of("pool", pool));
                    }
                    assertThat(ProcessHandle.current().children().count()).as("no worker process started")
                            .isEqualTo(childrenBefore);
                });
    }

    /** One endpoint of two refuses: the pool starts with the other; health counts both, with a reason code and no address. */
    @Test
    void aPoolWithOneEndpointDownStartsAndItsHealthCountsEndpointsWithoutAddresses() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.4"))) {
            closedPort = s.getLocalPort();
        }
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class,
                        MoltAccelAutoConfiguration.class, MoltAccelHealthAutoConfiguration.class))
                .withPropertyValues("molt.accel.endpoints=" + address("tcp:") + ",tcp://127.0.0.4:" + closedPort,
                        "molt.accel.eager-start=true", "molt.accel.fail-fast=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MoltPools pools = context.getBean(MoltPools.class);
                    assertThat(pools.defaultPool().call("echo", Map.of("a", 1), SLOW).value()).isEqualTo(Map.of("a", 1));
                    var molt = context.getBean("moltHealthContributor",
                            org.springframework.boot.health.contributor.CompositeHealthContributor.class);
                    var health = ((org.springframework.boot.health.contributor.HealthIndicator) molt.getContributor("default"))
                            .health();
                    assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
                    assertThat(health.getDetails()).containsEntry("endpointsUp", 1).containsEntry("endpointsDown", 1)
                            .containsEntry("endpointsDownReasons", Map.of("refused", 1));
                    assertThat(health.getDetails().toString()).doesNotContain("127.0.0").doesNotContain("tcp:");
                });
    }

    @Test
    void invalidEndpointsFailTheStartNamingTheKey() {
        runner.withPropertyValues("molt.accel.workers.bad.endpoints=tcp://127.0.0.1")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().hasMessageContaining("workers[bad].endpoints").hasMessageContaining("port"));
    }

    @Test
    void aPoolWithItsOwnCommandDoesNotInheritTheDefaultEndpoints() {
        MoltAccelProperties p = new MoltAccelProperties();
        p.setEndpoints(List.of("tcp://127.0.0.1:7001"));
        PoolProperties own = new PoolProperties();
        own.getWorker().setCommandLine("molt-worker --stdio");
        PoolProperties plain = new PoolProperties();
        p.getWorkers().put("own", own);
        p.getWorkers().put("plain", plain);
        assertThat(p.pool("own").getEndpoints()).isNull();
        assertThat(p.pool("plain").getEndpoints()).containsExactly("tcp://127.0.0.1:7001");
        assertThat(p.pool("plain").getDiscovery().getRefresh()).isEqualTo(Duration.ofSeconds(30));
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
