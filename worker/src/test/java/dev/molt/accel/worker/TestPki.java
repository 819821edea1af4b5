package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for TLS tests, made with the JDK's own {@code keytool} (EC P-256, valid for two
 * days): a CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by it,
 * and a second CA with a client of its own (the "wrong CA"). Each identity is written as PEM
 * files ({@code <name>.crt}, {@code <name>.key} in PKCS#8) and kept as a PKCS#12 store.
 */
final class TestPki {

    static final String PASSWORD = "changeit";

    final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    static TestPki create(Path dir) {
        TestPki pki = new TestPki(dir);
        pki.ca("ca");
        pki.ca("other-ca");
        pki.signed("server", "ca", "CN=localhost", "san=ip:127.0.0.1,dns:localhost", "serverAuth,clientAuth");
        pki.signed("client", "ca", "CN=molt-client", null, "clientAuth");
        pki.signed("stranger", "other-ca", "CN=stranger", null, "clientAuth");
        return pki;
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
        keytool("-certreq", "-alias", name, "-keystore", store(name).toString(), "-file", csr.toString());
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", ca, "-keystore",
                store(ca).toString(), "-infile", csr.toString(), "-outfile", dir.resolve(name + ".leaf").toString(),
                "-validity", "2", "-ext", "eku=" + eku));
        if (san != null) {
            gencert.add("-ext");
            gencert.add(san);
        }
        keytool(gencert.toArray(String[]::new));
        try {
            // the chain file: leaf then CA, as servers usually present it
            Files.writeString(crt(name), Files.readString(dir.resolve(name + ".leaf")) + Files.readString(crt(ca)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool("-importcert", "-noprompt", "-alias", ca, "-file", crt(ca).toString(), "-keystore",
                store(name).toString());
        keytool("-importcert", "-alias", name, "-file", crt(name).toString(), "-keystore", store(name).toString());
        writeKey(name);
    }

    private void writeKey(String name) {
        try {
            Key k = load(name).getKey(name, PASSWORD.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(key(name), pem);
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

    /** A client context presenting {@code identity} (or nothing when {@code null}) and trusting {@code ca}. */
    SSLContext clientContext(String identity, String ca) {
        try {
            KeyManagerFactory kmf = null;
            if (identity != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(identity), PASSWORD.toCharArray());
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            Certificate caCert = load(ca).getCertificate(ca);
            trust.setCertificateEntry(ca, caCert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("keytool " + args[0] + ": " + new String(out, StandardCharsets.UTF_8)).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
