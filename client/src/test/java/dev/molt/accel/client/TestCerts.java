package dev.molt.accel.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made with the JDK's {@code keytool} (EC P-256, two days): CAs {@code ca} and
 * {@code other-ca}; {@code server} signed by {@code ca} for localhost and 127.0.0.1-3; {@code elsewhere} for another host only; {@code client}
 * signed by {@code ca}; {@code stranger} signed by {@code other-ca}. Each as PEM ({@code .crt} with
 * its chain, {@code .key} in PKCS#8) and as a PKCS#12 store.
 */
final class TestCerts {

    static final String PASSWORD = "changeit";
    final Path dir;

    private TestCerts(Path dir) {
        this.dir = dir;
    }

    static TestCerts create(Path dir) {
        TestCerts c = new TestCerts(dir);
        c.ca("ca");
        c.ca("other-ca");
        c.signed("server", "ca", "CN=localhost",
                "san=ip:127.0.0.1,ip:127.0.0.2,ip:127.0.0.3,dns:localhost,dns:workers.molt.test", "serverAuth");
        c.signed("elsewhere", "ca", "CN=elsewhere", "san=dns:elsewhere.molt.test", "serverAuth");
        c.signed("client", "ca", "CN=molt-client", null, "clientAuth");
        c.signed("stranger", "other-ca", "CN=stranger", null, "clientAuth");
        return c;
    }

    Path crt(String name) {
        return dir.resolve(name + ".crt");
    }

    Path key(String name) {
        return dir.resolve(name + ".key");
    }

    private Path store(String name) {
        return dir.resolve(name + ".p12");
    }

    /** Worker arguments serving TLS on {@code address} with the server identity, requiring clients of {@code ca}. */
    List<String> serverArgs(String address, boolean requireClient) {
        return serverArgs(address, "server", requireClient);
    }

    /** As {@link #serverArgs(String, boolean)} with the identity {@code server}. */
    List<String> serverArgs(String address, String server, boolean requireClient) {
        List<String> a = new ArrayList<>(List.of("--listen", address, "--tls-cert", crt(server).toString(),
                "--tls-key", key(server).toString()));
        if (requireClient) {
            a.add("--tls-client-ca");
            a.add(crt("ca").toString());
        }
        return a;
    }

    private void ca(String name) {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "2", "-keystore", store(name).toString());
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store(name).toString(), "-file", crt(name).toString());
        writeKey(name);
    }

    private void signed(String name, String ca, String dname, String san, String eku) {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-validity", "2", "-keystore", store(name).toString());
        Path csr = dir.resolve(name + ".csr");
        Path leaf = dir.resolve(name + ".leaf");
        keytool("-certreq", "-alias", name, "-keystore", store(name).toString(), "-file", csr.toString());
        List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", ca, "-keystore", store(ca).toString(),
                "-infile", csr.toString(), "-outfile", leaf.toString(), "-validity", "2", "-ext", "eku=" + eku));
        if (san != null) {
            gen.add("-ext");
            gen.add(san);
        }
        keytool(gen.toArray(String[]::new));
        try {
            Files.writeString(crt(name), Files.readString(leaf) + Files.readString(crt(ca)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool("-importcert", "-noprompt", "-alias", ca, "-file", crt(ca).toString(), "-keystore", store(name).toString());
        keytool("-importcert", "-alias", name, "-file", crt(name).toString(), "-keystore", store(name).toString());
        writeKey(name);
    }

    private void writeKey(String name) {
        try {
            Key k = load(name).getKey(name, PASSWORD.toCharArray());
            Files.writeString(key(name), "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private KeyStore load(String name) {
        try (InputStream in = Files.newInputStream(store(name))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            return ks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client context presenting {@code identity} ({@code null}: none) and trusting {@code ca}. */
    SSLContext clientContext(String identity, String ca) {
        try {
            KeyManagerFactory kmf = null;
            if (identity != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(identity), PASSWORD.toCharArray());
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(ca, load(ca).getCertificate(ca));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", PASSWORD, "-keypass", PASSWORD, "-storetype", "PKCS12"));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
