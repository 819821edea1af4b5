package dev.molt.accel.worker;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The socket settings of a {@link MoltWorker} (see its builder). Immutable.
 *
 * @param listen addresses to listen on; empty: no socket server
 * @param tlsCert PEM certificate chain for {@code tls://} addresses, or {@code null}
 * @param tlsKey PEM PKCS#8 private key of {@code tlsCert}, or {@code null}
 * @param tlsClientCa PEM CA that client certificates must chain to (mutual TLS), or {@code null}
 * @param allowPlaintext whether {@code tcp://} may listen on an address other than loopback
 * @param socketMode permissions of a Unix socket file
 * @param maxConnections connections served at once; more are closed at once
 * @param maxInFlightPerConnection requests one connection may have accepted at once; 0 = no cap
 * @param idleTimeout a connection with nothing in flight and no frame for this long is closed; 0 = never
 */
record SocketOptions(List<ListenAddress> listen, Path tlsCert, Path tlsKey, Path tlsClientCa, boolean allowPlaintext,
        Set<PosixFilePermission> socketMode, int maxConnections, int maxInFlightPerConnection, Duration idleTimeout) {

    static final int DEFAULT_MAX_CONNECTIONS = 256;
    static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1024;
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    static final String DEFAULT_SOCKET_MODE = "0600";

    SocketOptions {
        listen = List.copyOf(listen);
        socketMode = Set.copyOf(socketMode);
        boolean tls = listen.stream().anyMatch(a -> a.kind() == ListenAddress.Kind.TLS);
        if (tls && (tlsCert == null || tlsKey == null)) {
            throw new IllegalArgumentException("a tls:// address needs a certificate and a key (--tls-cert, --tls-key)");
        }
    }

    boolean needsTls() {
        for (ListenAddress a : listen) {
            if (a.kind() == ListenAddress.Kind.TLS) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses an octal mode such as {@code 0600} or {@code 660} (owner/group/other bits only).
     *
     * @throws IllegalArgumentException when it is not 3 or 4 octal digits up to 0777
     */
    static Set<PosixFilePermission> parseMode(String text) {
        String t = text == null ? "" : text.trim();
        if (t.length() == 4 && t.charAt(0) == '0') {
            t = t.substring(1);
        }
        if (t.length() != 3) {
            throw new IllegalArgumentException("socket mode must be octal like 0600 or 0660, got '"
                    + MoltWorker.printable(String.valueOf(text), 16) + "'");
        }
        StringBuilder rwx = new StringBuilder(9);
        for (int i = 0; i < 3; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '7') {
                throw new IllegalArgumentException("socket mode must be octal like 0600 or 0660, got '" + t + "'");
            }
            int d = c - '0';
            rwx.append((d & 4) != 0 ? 'r' : '-').append((d & 2) != 0 ? 'w' : '-').append((d & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(rwx.toString());
    }
}
