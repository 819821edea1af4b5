package dev.molt.accel.worker;

import java.nio.file.Path;

/**
 * A socket address the worker listens on (or the probe connects to): {@code unix:/path/to.sock},
 * {@code tcp://host:port} or {@code tls://host:port} (an IPv6 host in brackets, {@code [::1]}).
 * Parsed by hand, in one pass over at most {@value #MAX_CHARS} characters. Immutable.
 *
 * @param path the socket file for {@link Kind#UNIX}, else {@code null}
 * @param host the host for TCP and TLS (without brackets), else {@code null}
 * @param port 0..65535 for TCP and TLS (0: any free port), else -1
 */
record ListenAddress(Kind kind, Path path, String host, int port) {

    /** The transports. */
    enum Kind {
        UNIX("unix:"), TCP("tcp://"), TLS("tls://");

        final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }
    }

    static final int MAX_CHARS = 1024;

    /**
     * @throws IllegalArgumentException naming the address and what is wrong with it
     */
    static ListenAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an address must not be empty");
        }
        String s = text.trim();
        if (s.length() > MAX_CHARS) {
            throw new IllegalArgumentException("address longer than " + MAX_CHARS + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == 0x7F) {
                throw bad(s, "contains white space or a control character");
            }
        }
        if (s.startsWith("unix:")) {
            String p = s.substring(5);
            if (p.startsWith("//")) {
                p = p.substring(2); // unix:///run/x.sock
            }
            if (p.isEmpty()) {
                throw bad(s, "needs a socket path, e.g. unix:/run/molt/worker.sock");
            }
            return new ListenAddress(Kind.UNIX, Path.of(p), null, -1);
        }
        Kind kind;
        if (s.startsWith(Kind.TCP.prefix)) {
            kind = Kind.TCP;
        } else if (s.startsWith(Kind.TLS.prefix)) {
            kind = Kind.TLS;
        } else {
            throw bad(s, "must start with unix:, tcp:// or tls://");
        }
        String hostPort = s.substring(kind.prefix.length());
        if (hostPort.endsWith("/")) {
            hostPort = hostPort.substring(0, hostPort.length() - 1);
        }
        String host;
        String portText;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
                throw bad(s, "needs [ipv6]:port");
            }
            host = hostPort.substring(1, close);
            portText = hostPort.substring(close + 2);
        } else {
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw bad(s, "needs host:port");
            }
            host = hostPort.substring(0, colon);
            portText = hostPort.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw bad(s, "an IPv6 host must be in brackets, e.g. tcp://[::1]:7000");
            }
        }
        if (host.isEmpty()) {
            throw bad(s, "needs a host (0.0.0.0 for every IPv4 interface)");
        }
        if (host.indexOf('/') >= 0 || host.indexOf('@') >= 0) {
            throw bad(s, "host must be a name or an IP address");
        }
        return new ListenAddress(kind, null, host, port(s, portText));
    }

    private static int port(String s, String text) {
        if (text.isEmpty() || text.length() > 5) {
            throw bad(s, "port must be 0..65535");
        }
        int port = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw bad(s, "port must be 0..65535");
            }
            port = port * 10 + (c - '0');
        }
        if (port > 65535) {
            throw bad(s, "port must be 0..65535");
        }
        return port;
    }

    private static IllegalArgumentException bad(String s, String why) {
        return new IllegalArgumentException("bad address '" + MoltWorker.printable(s, 120) + "': " + why);
    }

    /** This address with another port (the one actually bound). */
    ListenAddress withPort(int boundPort) {
        return new ListenAddress(kind, path, host, boundPort);
    }

    @Override
    public String toString() {
        if (kind == Kind.UNIX) {
            return "unix:" + path;
        }
        return kind.prefix + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
