package dev.molt.accel.bench;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.protocol.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One bundled worker process, reached four ways by the client: as its child over stdio, and over
 * the Unix socket, loopback TCP and loopback TLS it listens on (a throwaway self-signed certificate
 * made with keytool). For each: the median of sequential {@code __ping__} round trips, and
 * {@code __ping__} calls/s with 64 in flight (async, closed loop). Then three more worker
 * processes on 127.0.0.2, 127.0.0.3 and 127.0.0.4, and the same figures for a pool of 1, 2 and 3 of
 * them over TCP (one connection each). Prints two Markdown tables.
 *
 * <pre>java -cp bench/target/molt-accel-bench.jar dev.molt.accel.bench.TransportBench [SECONDS]</pre>
 */
public final class TransportBench {

    private static final String WORKER_MAIN = "dev.molt.accel.worker.MoltWorkerMain";
    private static final CallOptions PING = CallOptions.builder().codec(Codec.RAW).timeout(Duration.ofSeconds(10)).build();
    private static final int SEQUENTIAL = 20_000;
    private static final int CONCURRENCY = 64;

    private TransportBench() {
    }

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        Path dir = Files.createTempDirectory("molt-transport-bench");
        SSLContext trust = selfSigned(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xlog:all=warning:stderr", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), WORKER_MAIN, "--stdio", "--listen", "unix:" + dir.resolve("w.sock"),
                "--listen", "tcp://127.0.0.1:0", "--listen", "tls://127.0.0.1:0", "--tls-cert",
                dir.resolve("server.crt").toString(), "--tls-key", dir.resolve("server.key").toString());
        Process worker = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<Process> pool = new ArrayList<>();
        try {
            List<String> addresses = listening(worker, 3);
            StringBuilder out = new StringBuilder();
            out.append("| transport | ping round trip, median (us) | p99 (us) | calls/s at concurrency 64 |\n");
            out.append("|---|---|---|---|\n");
            row(out, "stdio (child process)", MoltClient.builder().javaWorker(WORKER_MAIN, "--stdio"), seconds);
            for (String a : addresses) {
                MoltClientBuilder b = MoltClient.builder().endpoints(a);
                if (a.startsWith("tls:")) {
                    b.sslContext(trust);
                }
                row(out, a.substring(0, a.indexOf(':')) + (a.startsWith("unix:") ? " socket" : " loopback"), b, seconds);
            }
            System.out.print(out);
            System.out.println();
            List<String> tcp = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<String> one = List.of(java, "-Xlog:all=warning:stderr", "-XX:+UseSerialGC", "-cp",
                        System.getProperty("java.class.path"), WORKER_MAIN, "--stdio", "--listen", "tcp://127.0.0." + (2 + i) + ":0");
                Process p = new ProcessBuilder(one).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                pool.add(p);
                tcp.add(listening(p, 1).get(0));
            }
            StringBuilder scaling = new StringBuilder();
            scaling.append("| TCP workers (one process each, loopback) | ping round trip, median (us) | p99 (us) | calls/s at concurrency 64 |\n");
            scaling.append("|---|---|---|---|\n");
            for (int n = 1; n <= 3; n++) {
                row(scaling, n + (n == 1 ? " worker" : " workers"), MoltClient.builder().endpoints(tcp.subList(0, n)), seconds);
            }
            System.out.print(scaling);
        } finally {
            for (Process p : pool) {
                p.getOutputStream().close();
            }
            worker.getOutputStream().close();
            if (!worker.waitFor(10, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
            for (Process p : pool) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            for (String f : List.of("w.sock", "server.p12", "server.key", "server.crt")) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void row(StringBuilder out, String name, MoltClientBuilder b, long seconds) throws Exception {
        try (MoltClient c = b.name("bench").startTimeout(Duration.ofSeconds(60)).build()) {
            c.start();
            for (int i = 0; i < 5_000; i++) {
                c.call("__ping__", new byte[0], PING);
            }
            long[] ns = new long[SEQUENTIAL];
            for (int i = 0; i < SEQUENTIAL; i++) {
                long t0 = System.nanoTime();
                c.call("__ping__", new byte[0], PING);
                ns[i] = System.nanoTime() - t0;
            }
            Arrays.sort(ns);
            throughput(c, 1); // warm-up of the async path
            double rate = throughput(c, seconds);
            out.append(String.format("| %s | %.1f | %.1f | %,.0f |%n", name, ns[SEQUENTIAL / 2] / 1000.0,
                    ns[(int) (SEQUENTIAL * 0.99)] / 1000.0, rate));
        }
    }

    /** Calls/s over {@code seconds} with {@link #CONCURRENCY} calls always in flight. */
    private static double throughput(MoltClient c, long seconds) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong done = new AtomicLong();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < CONCURRENCY; i++) {
            CompletableFuture<Void> end = new CompletableFuture<>();
            loops.add(end);
            next(c, running, done, end);
        }
        long t0 = System.nanoTime();
        long startCount = done.get();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        long n = done.get() - startCount;
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        running.set(false);
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        return rate;
    }

    private static void next(MoltClient c, AtomicBoolean running, AtomicLong done, CompletableFuture<Void> end) {
        if (!running.get()) {
            end.complete(null);
            return;
        }
        c.callAsync("__ping__", new byte[0], PING).whenComplete((r, e) -> {
            if (e != null) {
                end.completeExceptionally(e);
                return;
            }
            done.incrementAndGet();
            next(c, running, done, end);
        });
    }

    private static List<String> listening(Process worker, int n) throws IOException {
        List<String> found = new ArrayList<>();
        InputStream err = worker.getErrorStream();
        StringBuilder line = new StringBuilder();
        int ch;
        while (found.size() < n && (ch = err.read()) >= 0) {
            if (ch == '\n') {
                String l = line.toString();
                if (l.startsWith("molt-worker: listening on ")) {
                    found.add(l.substring("molt-worker: listening on ".length()).trim());
                }
                line.setLength(0);
            } else if (line.length() < 4096) {
                line.append((char) ch);
            }
        }
        if (found.size() < n) {
            throw new IOException("the worker ended before listening on " + n + " addresses");
        }
        Thread drain = new Thread(() -> {
            try {
                err.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // gone
            }
        }, "bench-stderr");
        drain.setDaemon(true);
        drain.start();
        return found;
    }

    /** A self-signed server certificate for 127.0.0.1 as PEM files, and a client context trusting it. */
    private static SSLContext selfSigned(Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "1", "-keystore",
                store.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        Key key = ks.getKey("server", "changeit".toCharArray());
        Certificate cert = ks.getCertificate("server");
        Base64.Encoder b64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
        Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Files.writeString(dir.resolve("server.crt"), "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
