package dev.molt.accel.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An {@link SSLContext} from PEM files: the CA certificates to trust ({@code --tls-ca}; the JVM's
 * trust store when absent) and, for mutual TLS, a certificate chain and its unencrypted PKCS#8
 * private key ({@code --tls-cert}, {@code --tls-key}). Files are read whole up to 1 MiB; the key's
 * Base64 is decoded once. There is no way to skip verification.
 */
final class PemTls {

    private static final int MAX_FILE = 1024 * 1024;
    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";
    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {
    }

    /** The context; {@code IllegalArgumentException} saying which file is wrong and how. */
    static SSLContext context(Path ca, Path cert, Path key) {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        try {
            TrustManagerFactory tmf = null;
            if (ca != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(ca)) {
                    trust.setCertificateEntry("ca-" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (cert != null) {
                Certificate[] chain = certificates(cert).toArray(Certificate[]::new);
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", privateKey(key), NO_PASSWORD, chain);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, NO_PASSWORD);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS set-up failed: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path p) throws IOException {
        if (Files.size(p) > MAX_FILE) {
            throw new IllegalArgumentException(p + " is larger than 1 MiB");
        }
        return Files.readAllBytes(p);
    }

    private static Collection<? extends Certificate> certificates(Path p) throws IOException, GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (InputStream in = new ByteArrayInputStream(read(p))) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(p + ": no PEM certificate (" + e.getMessage() + ")", e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(p + ": no PEM certificate");
        }
        return certs;
    }

    private static PrivateKey privateKey(Path p) throws IOException {
        String text = new String(read(p), StandardCharsets.US_ASCII);
        int begin = text.indexOf(KEY_BEGIN);
        int end = begin < 0 ? -1 : text.indexOf(KEY_END, begin);
        if (begin < 0 || end < 0) {
            throw new IllegalArgumentException(p + ": expected an unencrypted PKCS#8 key (" + KEY_BEGIN
                    + "); convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + ": the key is not valid Base64", e);
        }
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(p + ": not an EC, RSA or Ed25519 PKCS#8 key");
    }
}
