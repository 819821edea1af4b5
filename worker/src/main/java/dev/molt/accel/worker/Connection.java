package dev.molt.accel.worker;

import dev.molt.accel.protocol.ChannelStreams;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/**
 * One accepted socket: its buffered streams and a hard close. A Unix socket is a blocking
 * {@link SocketChannel} read and written through {@link ChannelStreams}; TCP is a
 * {@link Socket}; TLS an {@link SSLSocket} layered over it. {@link #closeHard()} closes the plain
 * socket underneath, which never blocks (an {@code SSLSocket.close()} may wait to send close_notify)
 * and wakes a reader blocked in it. Thread-safe: one reader thread, writers under the session's
 * {@link FrameWriter} lock, close from anywhere.
 */
final class Connection {

    private static final int BUFFER = 64 * 1024;

    private final AutoCloseable plain;
    private final SSLSocket tls;
    private final String peer;
    private final InputStream in;
    private final OutputStream out;

    private Connection(AutoCloseable plain, SSLSocket tls, String peer, InputStream in, OutputStream out) {
        this.plain = plain;
        this.tls = tls;
        this.peer = peer;
        this.in = new BufferedInputStream(in, BUFFER);
        this.out = new BufferedOutputStream(out, BUFFER);
    }

    static Connection unix(SocketChannel ch, String listenAddress) {
        return new Connection(ch, null, listenAddress, inputOf(ch), outputOf(ch));
    }

    static Connection tcp(Socket s) throws IOException {
        return new Connection(s, null, peerOf(s), s.getInputStream(), s.getOutputStream());
    }

    static Connection tls(Socket plainSocket, SSLSocket ssl) throws IOException {
        return new Connection(plainSocket, ssl, peerOf(plainSocket), ssl.getInputStream(), ssl.getOutputStream());
    }

    private static String peerOf(Socket s) {
        return String.valueOf(s.getRemoteSocketAddress());
    }

    /**
     * Completes the TLS handshake (a no-op for plaintext) within {@code timeoutMillis}: a client
     * without a valid certificate fails here and never reaches the protocol.
     */
    void handshake(int timeoutMillis) throws IOException {
        if (tls == null) {
            return;
        }
        tls.setSoTimeout(timeoutMillis);
        tls.startHandshake();
        tls.setSoTimeout(0);
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    String peer() {
        return peer;
    }

    void closeHard() {
        try {
            plain.close();
        } catch (Exception e) {
            // closing: nothing to add
        }
    }

    /** Streams over a blocking channel that one thread may read while another writes. */
    static InputStream inputOf(SocketChannel ch) {
        return ChannelStreams.input(ch, true);
    }

    static OutputStream outputOf(SocketChannel ch) {
        return ChannelStreams.output(ch, false);
    }
}
