package dev.molt.accel.worker;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One bound listening socket. Binding applies the security defaults: a Unix socket gets its mode
 * before it has its name (bound in a private directory, chmod, then renamed over the final path,
 * so nobody can connect in between) and replaces a stale socket file but never a live one or
 * anything that is not a socket; plaintext TCP is checked by {@link #checkPlaintext}. Accept runs on
 * one thread, close from any.
 */
final class Listener {

    private static final int BACKLOG = 128;

    private final ListenAddress bound;
    private final ServerSocketChannel unix;
    private final ServerSocket tcp;
    private final SSLContext tlsContext;
    private final SSLParameters tlsParameters;
    private final Object unixFileKey;

    private Listener(ListenAddress bound, ServerSocketChannel unix, ServerSocket tcp, SSLContext tlsContext,
            SSLParameters tlsParameters, Object unixFileKey) {
        this.bound = bound;
        this.unix = unix;
        this.tcp = tcp;
        this.tlsContext = tlsContext;
        this.tlsParameters = tlsParameters;
        this.unixFileKey = unixFileKey;
    }

    /**
     * Refuses plaintext TCP on an address other than loopback (a wildcard such as 0.0.0.0 counts as
     * every interface) unless it is explicitly allowed.
     *
     * @throws IllegalArgumentException with the one line to show
     */
    static void checkPlaintext(ListenAddress a, boolean allowPlaintext) {
        if (a.kind() != ListenAddress.Kind.TCP || allowPlaintext) {
            return;
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(a.host());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot resolve the host of " + a + ": " + e.getMessage());
        }
        if (!ip.isLoopbackAddress()) {
            throw new IllegalArgumentException("refusing plaintext " + a + " on a non-loopback address: use tls:// "
                    + "(--tls-cert, --tls-key, --tls-client-ca), a unix: socket, or --allow-plaintext when a "
                    + "service mesh adds mTLS");
        }
    }

    static Listener bind(ListenAddress a, Set<PosixFilePermission> socketMode, SSLContext tls, boolean needClientAuth)
            throws IOException {
        switch (a.kind()) {
            case UNIX:
                return bindUnix(a, socketMode);
            case TCP:
                return bindTcp(a, null, null);
            default:
                Objects.requireNonNull(tls, "TLS context");
                return bindTcp(a, tls, TlsFiles.parameters(tls, needClientAuth));
        }
    }

    private static Listener bindTcp(ListenAddress a, SSLContext tls, SSLParameters params) throws IOException {
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(a.host(), a.port()), BACKLOG);
        } catch (IOException e) {
            ss.close();
            throw new IOException("cannot listen on " + a + ": " + e.getMessage(), e);
        }
        return new Listener(a.withPort(ss.getLocalPort()), null, ss, tls, params, null);
    }

    private static Listener bindUnix(ListenAddress a, Set<PosixFilePermission> mode) throws IOException {
        Path path = a.path().toAbsolutePath();
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot listen on " + a + ": directory " + dir + " does not exist");
        }
        replaceIfStale(a, path);
        // bound inside a private directory (0700: nobody else can even reach the socket), given its
        // mode, then renamed into place: there is no moment when the socket has its final name but
        // not its final mode, whatever the umask
        Path privateDir = Files.createTempDirectory(dir, ".molt-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temp = privateDir.resolve("s");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(temp), BACKLOG);
            Files.setPosixFilePermissions(temp, mode);
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new Listener(new ListenAddress(ListenAddress.Kind.UNIX, a.path(), null, -1), ch, null, null, null, key);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(temp);
            throw new IOException("cannot listen on " + a + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(privateDir);
        }
    }

    /** Leaves the path alone unless it is a socket nobody answers on (left by a worker that died). */
    private static void replaceIfStale(ListenAddress a, Path path) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (!attrs.isOther()) {
            throw new IOException("cannot listen on " + a + ": the path exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new IOException("cannot listen on " + a + ": another process is listening on it");
        } catch (ConnectException e) {
            // nothing listening: a stale socket file, replaced by the rename in bindUnix
        }
    }

    ListenAddress bound() {
        return bound;
    }

    /** Blocks until a client connects; throws once closed. */
    Connection accept() throws IOException {
        if (unix != null) {
            SocketChannel ch = unix.accept();
            return Connection.unix(ch, bound.toString());
        }
        Socket s = tcp.accept();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            if (tlsContext == null) {
                return Connection.tcp(s);
            }
            SSLSocketFactory f = tlsContext.getSocketFactory();
            SSLSocket ssl = (SSLSocket) f.createSocket(s, null, s.getPort(), true);
            ssl.setUseClientMode(false);
            ssl.setSSLParameters(tlsParameters);
            return Connection.tls(s, ssl);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Stops accepting; a Unix socket's file is removed if it is still the one this listener created. */
    void close() {
        try {
            if (unix != null) {
                unix.close();
                Path path = bound.path().toAbsolutePath();
                try {
                    Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                    if (Objects.equals(key, unixFileKey)) {
                        Files.deleteIfExists(path);
                    }
                } catch (IOException e) {
                    // gone already, or replaced by another worker: leave it
                }
            } else {
                tcp.close();
            }
        } catch (IOException e) {
            // closing: nothing to add
        }
    }
}
