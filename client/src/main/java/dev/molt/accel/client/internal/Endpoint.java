package dev.molt.accel.client.internal;

import java.util.Locale;
import java.util.Objects;

/**
 * A worker address: {@code unix:/path/to.sock}, {@code tcp://host:port} or {@code tls://host:port}
 * (an IPv6 host in brackets: {@code tcp://[::1]:7000}). Parsed in one linear pass over at most
 * {@link #MAX_LENGTH} characters; no user info, path, query or fragment. Immutable.
 *
 * @param scheme the transport
 * @param host the host name or address literal (brackets removed), {@code null} for a Unix socket
 * @param port the TCP port (1..65535), 0 for a Unix socket
 * @param path the socket file, {@code null} for TCP and TLS
 */
public record Endpoint(Scheme scheme, String host, int port, String path) {

    /** Longest address accepted, in characters. */
    public static final int MAX_LENGTH = 1024;
    /** Longest host name (RFC 1035). */
    private static final int MAX_HOST = 253;

    /** How frames travel. */
    public enum Scheme {
        UNIX, TCP, TLS
    }

    public Endpoint {
        Objects.requireNonNull(scheme, "scheme");
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static Endpoint parse(String text) {
        Objects.requireNonNull(text, "endpoint");
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("endpoint longer than " + MAX_LENGTH + " characters");
        }
        String t = text.trim();
        if (t.startsWith("unix:")) {
            String path = t.substring("unix:".length());
            if (!path.startsWith("/") || path.length() < 2) {
                throw bad(t, "a Unix socket needs an absolute path (unix:/path/to.sock)");
            }
            if (path.indexOf('\0') >= 0) {
                throw bad(t, "NUL in the path");
            }
            return new Endpoint(Scheme.UNIX, null, 0, path);
        }
        Scheme scheme;
        String rest;
        String lower = t.length() >= 6 ? t.substring(0, 6).toLowerCase(Locale.ROOT) : "";
        if (lower.equals("tcp://")) {
            scheme = Scheme.TCP;
        } else if (lower.equals("tls://")) {
            scheme = Scheme.TLS;
        } else {
            throw bad(t, "expected unix:/path, tcp://host:port or tls://host:port");
        }
        rest = t.substring(6);
        String host;
        int colon;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw bad(t, "unclosed '[' of an IPv6 address");
            }
            host = rest.substring(1, close);
            if (host.isEmpty() || !isIpv6Text(host)) {
                throw bad(t, "not an IPv6 address: [" + host + "]");
            }
            colon = close + 1;
            if (colon >= rest.length() || rest.charAt(colon) != ':') {
                throw bad(t, "a port is required after the address");
            }
        } else {
            colon = rest.lastIndexOf(':');
            if (colon < 0) {
                throw bad(t, "a port is required (host:port)");
            }
            host = rest.substring(0, colon);
            if (!isHostName(host)) {
                throw bad(t, "not a host name or IPv4 address: '" + host + "'");
            }
        }
        String portText = rest.substring(colon + 1);
        if (portText.isEmpty() || portText.length() > 5) {
            throw bad(t, "the port must be 1..65535");
        }
        int port = 0;
        for (int i = 0; i < portText.length(); i++) {
            char c = portText.charAt(i);
            if (c < '0' || c > '9') {
                throw bad(t, "the port must be 1..65535 (no path, query or user info)");
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            throw bad(t, "the port must be 1..65535");
        }
        return new Endpoint(scheme, host, port, null);
    }

    private static boolean isHostName(String h) {
        if (h.isEmpty() || h.length() > MAX_HOST || h.startsWith(".") || h.startsWith("-")) {
            return false;
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '.' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6Text(String h) {
        if (h.length() > 45) {
            return false;
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
                    || c == '.';
            if (!ok) {
                return false;
            }
        }
        return h.indexOf(':') >= 0;
    }

    /** Whether the host is an address literal (IPv4 or IPv6), which needs no name resolution. */
    public boolean hostIsLiteral() {
        if (host == null) {
            return true;
        }
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException bad(String text, String why) {
        String shown = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return new IllegalArgumentException("Invalid endpoint '" + shown + "': " + why);
    }

    @Override
    public String toString() {
        return switch (scheme) {
            case UNIX -> "unix:" + path;
            case TCP, TLS -> scheme.name().toLowerCase(Locale.ROOT) + "://"
                    + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        };
    }
}
