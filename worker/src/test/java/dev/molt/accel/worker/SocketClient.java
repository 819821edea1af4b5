package dev.molt.accel.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** A test client connection to a socket worker: a {@link FrameChannel} over a Unix, TCP or TLS socket. */
final class SocketClient implements AutoCloseable {

    final FrameChannel channel;
    private final AutoCloseable socket;

    private SocketClient(FrameChannel channel, AutoCloseable socket) {
        this.channel = channel;
        this.socket = socket;
    }

    static SocketClient unix(Path path) {
        try {
            SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path));
            return new SocketClient(new FrameChannel(Connection.outputOf(ch), Connection.inputOf(ch)), ch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects to {@code unix:/path} or {@code tcp://127.0.0.1:port} as the worker printed it. */
    static SocketClient connect(String address) {
        ListenAddress a = ListenAddress.parse(address);
        if (a.kind() == ListenAddress.Kind.UNIX) {
            return unix(a.path());
        }
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(a.host(), a.port()), 10_000);
            s.setTcpNoDelay(true);
            return new SocketClient(new FrameChannel(s.getOutputStream(), s.getInputStream()), s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TLS connection whose handshake is left to the first read or write (so that a refused one shows there). */
    static SocketClient tls(String address, SSLContext ctx) {
        ListenAddress a = ListenAddress.parse(address);
        try {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
            s.connect(new InetSocketAddress(a.host(), a.port()), 10_000);
            s.setTcpNoDelay(true);
            return new SocketClient(new FrameChannel(s.getOutputStream(), s.getInputStream()), s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The negotiated TLS version, e.g. {@code TLSv1.3}. */
    String tlsProtocol() {
        return ((SSLSocket) socket).getSession().getProtocol();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (Exception e) {
            // closing
        }
    }
}
