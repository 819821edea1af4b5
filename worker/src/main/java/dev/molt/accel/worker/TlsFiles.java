package dev.molt.accel.worker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * PEM files to the JDK's TLS: a certificate chain, its PKCS#8 private key ({@code BEGIN PRIVATE KEY};
 * RSA's PKCS#1 {@code BEGIN RSA PRIVATE KEY} is converted) and an optional CA that client
 * certificates must chain to. Files are read whole but capped at {@value #MAX_PEM_BYTES} bytes.
 * Stateless.
 */
final class TlsFiles {

    static final int MAX_PEM_BYTES = 1024 * 1024;
    private static final char[] NO_PASSWORD = new char[0];

    private TlsFiles() {
    }

    /** The server's context: its certificate and key; trusts {@code clientCa} for client certificates when given. */
    static SSLContext serverContext(Path certChain, Path privateKey, Path clientCa) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers(certChain, privateKey), clientCa == null ? null : trustManagers(clientCa), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The probe's context: presents {@code certChain}/{@code privateKey} when given, verifies the
     * server's chain against {@code ca} when given, else accepts any server (a probe sends nothing
     * but {@code __ping__} and only wants to know that the worker answers).
     */
    static SSLContext clientContext(Path certChain, Path privateKey, Path ca) {
        try {
            KeyManager[] km = certChain != null && privateKey != null ? keyManagers(certChain, privateKey) : null;
            TrustManager[] tm = ca != null ? trustManagers(ca) : new TrustManager[] {new AnyServer()};
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, tm, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** TLS 1.3 first, 1.2 allowed, nothing older; client certificates required when {@code needClientAuth}. */
    static SSLParameters parameters(SSLContext ctx, boolean needClientAuth) {
        SSLParameters p = ctx.getDefaultSSLParameters();
        List<String> supported = List.of(ctx.getSupportedSSLParameters().getProtocols());
        List<String> protocols = new ArrayList<>();
        for (String v : new String[] {"TLSv1.3", "TLSv1.2"}) {
            if (supported.contains(v)) {
                protocols.add(v);
            }
        }
        p.setProtocols(protocols.toArray(String[]::new));
        p.setNeedClientAuth(needClientAuth);
        return p;
    }

    private static KeyManager[] keyManagers(Path certChain, Path privateKey) throws GeneralSecurityException {
        List<X509Certificate> chain = certificates(certChain);
        PrivateKey key = privateKey(privateKey);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
        ks.setKeyEntry("worker", key, NO_PASSWORD, chain.toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, NO_PASSWORD);
        return kmf.getKeyManagers();
    }

    private static TrustManager[] trustManagers(Path ca) throws GeneralSecurityException {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try {
            ts.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
        int i = 0;
        for (X509Certificate c : certificates(ca)) {
            ts.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf.getTrustManagers();
    }

    static List<X509Certificate> certificates(Path file) {
        byte[] pem = read(file);
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(file + ": no certificate found (expected PEM 'BEGIN CERTIFICATE')");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not a PEM certificate file: " + e.getMessage());
        }
    }

    static PrivateKey privateKey(Path file) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        byte[] pkcs8;
        String pkcs8Body = between(text, "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----");
        if (pkcs8Body != null) {
            pkcs8 = decode(file, pkcs8Body);
        } else {
            String rsa = between(text, "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----");
            if (rsa == null) {
                throw new IllegalArgumentException(file + ": expected an unencrypted PKCS#8 key ('BEGIN PRIVATE KEY'); "
                        + "convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
            }
            pkcs8 = rsaPkcs1ToPkcs8(decode(file, rsa));
        }
        for (String algorithm : new String[] {"RSA", "EC", "EdDSA", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(file + ": not an RSA, EC or EdDSA private key");
    }

    private static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_PEM_BYTES) {
                throw new IllegalArgumentException(file + ": larger than " + MAX_PEM_BYTES + " bytes; not a PEM file");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String between(String text, String begin, String end) {
        int b = text.indexOf(begin);
        if (b < 0) {
            return null;
        }
        int e = text.indexOf(end, b + begin.length());
        return e < 0 ? null : text.substring(b + begin.length(), e);
    }

    private static byte[] decode(Path file, String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": bad base64 in the key");
        }
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier rsaEncryption NULL, OCTET STRING pkcs1 }. */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
            0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algorithm);
        body.write(0x04);
        derLength(body, pkcs1.length);
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        derLength(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void derLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
    }

    /** The probe without a CA: it checks liveness, not identity. */
    private static final class AnyServer implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("client side only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // accepted: see clientContext
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
