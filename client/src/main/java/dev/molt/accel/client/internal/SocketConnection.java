package dev.molt.accel.client.internal;

import dev.molt.accel.protocol.ChannelStreams;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;

/**
 * One stream socket to a worker as a {@link Connection}: a Unix domain {@link SocketChannel}, a TCP
 * {@link Socket}, or an {@link SSLSocket} over one. "The peer exited" means the connection ended:
 * the worker closed it (end of stream), it broke, or this side closed it. Closing the output
 * half-closes the socket, the socket form of stdin EOF; {@link #kill()} closes the plain socket
 * underneath, which never blocks (an {@code SSLSocket.close()} may wait to send close_notify) and
 * fails a blocked read or write at once. Thread-safe.
 */
final class SocketConnection extends FutureExitConnection {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final String address;
    private final Closeable plain;
    private final InputStream in;
    private final OutputStream out;
    private final AtomicBoolean released = new AtomicBoolean();
    private final Owner owner;
    /** Whether the worker answered its readiness ping on this connection. */
    private volatile boolean wasReady;
    /** The first bytes the peer sent, to say what it was when it was no worker. */
    private final byte[] head = new byte[5];
    private volatile int headLength;

    /**
     * Who learns how the connection went: the endpoint it belongs to, for its health. Called at most
     * once each, on whichever thread made the change; implementations only change counters.
     */
    interface Owner {
        /** The worker answered its readiness ping. */
        void ready();

        /** The connection ended; {@code wasReady}: after its worker had answered its readiness ping. */
        void released(boolean wasReady);
    }

    private SocketConnection(String address, Closeable plain, InputStream in, OutputStream out, Owner owner) {
        this.address = address;
        this.plain = plain;
        this.owner = owner;
        this.in = new WatchedInput(in);
        this.out = out;
    }

    /** A Unix socket in blocking mode. */
    static SocketConnection of(String address, SocketChannel ch, Owner owner) {
        return new SocketConnection(address, ch, ChannelStreams.input(ch, false), ChannelStreams.output(ch, true), owner);
    }

    /** A connected TCP socket, or a TLS socket ({@code layered}) over the plain {@code socket}. */
    static SocketConnection of(String address, Socket socket, Socket layered, Owner owner) throws IOException {
        Socket s = layered != null ? layered : socket;
        OutputStream raw = s.getOutputStream();
        OutputStream halfClosing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                raw.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                raw.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                raw.flush();
            }

            @Override
            public void close() throws IOException {
                raw.flush();
                try {
                    s.shutdownOutput();
                } catch (IOException | UnsupportedOperationException e) {
                    socket.close();
                }
            }
        };
        return new SocketConnection(address, socket, s.getInputStream(), halfClosing, owner);
    }

    @Override
    public long id() {
        return id;
    }

    /** The endpoint (and address) this connection goes to, for messages: {@code tcp://host:port (address)}. */
    @Override
    public String label() {
        return address + " #" + id;
    }

    /** Who owns this connection's endpoint state, or {@code null}. */
    Owner owner() {
        return owner;
    }

    @Override
    public void ready() {
        if (!wasReady && !released.get()) {
            wasReady = true;
            if (owner != null) {
                owner.ready();
            }
        }
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public void terminate() {
        kill();
    }

    @Override
    public void kill() {
        try {
            plain.close();
        } catch (IOException ignored) {
            // closing a broken socket: nothing more to do
        }
        end();
    }

    @Override
    public boolean killAndWait(long millis) {
        kill();
        return true;
    }

    /** What the peer sent first when that looks like no worker (a TLS server's record, an HTTP answer). */
    @Override
    public List<String> diagnostics() {
        int n = headLength;
        if (n >= 3 && (head[0] == 0x15 || head[0] == 0x16) && head[1] == 0x03) {
            return List.of(address + " answered with a TLS record: it is a TLS port (use tls://)");
        }
        if (n >= 4 && head[0] == 'H' && head[1] == 'T' && head[2] == 'T' && head[3] == 'P') {
            return List.of(address + " answered HTTP: it is no Molt worker");
        }
        return List.of();
    }

    @Override
    public void release() {
        kill();
    }

    private void end() {
        // a connection has no exit code of its own: 0 says it ended
        exit.complete(0);
        if (released.compareAndSet(false, true) && owner != null) {
            owner.released(wasReady);
        }
    }

    @Override
    public String peer() {
        return address;
    }

    @Override
    public String toString() {
        return "connection " + id + " to " + address;
    }

    /** Notes the first bytes and the end of the stream, whichever way it ends. */
    private final class WatchedInput extends SingleByteViaArray {
        private final InputStream delegate;

        WatchedInput(InputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = delegate.read(b, off, len);
            } catch (IOException e) {
                end();
                throw e;
            }
            if (n < 0) {
                end();
            } else if (headLength < head.length) {
                int take = Math.min(n, head.length - headLength);
                System.arraycopy(b, off, head, headLength, take);
                headLength += take;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            kill();
        }
    }
}
