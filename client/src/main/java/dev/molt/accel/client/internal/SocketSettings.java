package dev.molt.accel.client.internal;

import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How socket connections are made.
 *
 * @param sslContext keys and trust of {@code tls://} endpoints; {@code null}: the JVM's default context
 * @param verifyHostname whether a TLS server's certificate must name the host dialled (HTTPS rules)
 * @param connectTimeout the longest a TCP connect, and then the TLS handshake, may take
 */
public record SocketSettings(SSLContext sslContext, boolean verifyHostname, Duration connectTimeout) {

    public SocketSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
    }
}
