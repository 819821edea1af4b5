package dev.molt.accel.worker;

import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * {@code molt-worker --probe ADDRESS}: connects, sends {@code __ping__} and waits for its {@code Ok}
 * answer, all within the probe timeout, so that a Kubernetes exec probe needs no other tool. Over
 * TLS it presents {@code --tls-cert}/{@code --tls-key} when given and checks the server's chain
 * against {@code --tls-client-ca} when given (the CA that signs both sides in the usual set-up);
 * the host name is not checked, as a probe inside the pod connects to 127.0.0.1. Stateless.
 */
final class Probe {

    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private Probe() {
    }

    /** Returns the exit code: 0 when the worker answered Ok in time, else 1 (one line on stderr says why). */
    static int run(WorkerCommandLine cmd, java.io.PrintStream err) {
        ListenAddress a;
        try {
            a = ListenAddress.parse(cmd.probe());
        } catch (IllegalArgumentException e) {
            err.println("molt-worker: --probe: " + e.getMessage());
            return 2;
        }
        long timeoutMs = Math.max(1L, cmd.probeTimeout().toMillis());
        long start = System.nanoTime();
        AutoCloseable[] socket = new AutoCloseable[1];
        // one deadline for connect, handshake and answer: at the deadline the socket is closed,
        // which ends whatever blocking step is under way
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> closeQuietly(socket),
                CompletableFuture.delayedExecutor(timeoutMs, TimeUnit.MILLISECONDS));
        try {
            ResponseEnvelope r = ping(a, cmd, timeoutMs, socket);
            if (r.status() == Status.OK && r.requestId() == 1 && !r.isCancelAck()) {
                return 0;
            }
            err.println("molt-worker: probe " + a + ": answered " + r.status());
            return 1;
        } catch (IOException | RuntimeException e) {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            String why = ms >= timeoutMs ? "no answer within " + timeoutMs + " ms" : String.valueOf(e.getMessage());
            err.println("molt-worker: probe " + a + ": " + MoltWorker.printable(why, 200));
            return 1;
        } finally {
            watchdog.cancel(false);
            closeQuietly(socket);
            err.flush();
        }
    }

    private static ResponseEnvelope ping(ListenAddress a, WorkerCommandLine cmd, long timeoutMs, AutoCloseable[] socket)
            throws IOException {
        InputStream in;
        OutputStream out;
        if (a.kind() == ListenAddress.Kind.UNIX) {
            SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(a.path()));
            set(socket, ch);
            in = Channels.newInputStream(ch); // one thread writes, then reads: no lock contention here
            out = Channels.newOutputStream(ch);
        } else {
            Socket s = new Socket();
            set(socket, s);
            s.connect(new InetSocketAddress(a.host(), a.port()), (int) Math.min(Integer.MAX_VALUE, timeoutMs));
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
            if (a.kind() == ListenAddress.Kind.TLS) {
                SSLContext ctx = TlsFiles.clientContext(cmd.tlsCert(), cmd.tlsKey(), cmd.tlsClientCa());
                SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, a.host(), a.port(), true);
                ssl.setSSLParameters(TlsFiles.parameters(ctx, false));
                ssl.setUseClientMode(true);
                ssl.startHandshake();
                in = ssl.getInputStream();
                out = ssl.getOutputStream();
            } else {
                in = s.getInputStream();
                out = s.getOutputStream();
            }
        }
        out.write(Envelopes.encodeRequestFrame(Wire.MSGPACK, RequestEnvelope.ping(1, 0), Frames.DEFAULT_MAX_FRAME_BYTES));
        out.flush();
        byte[] body = Frames.read(new BufferedInputStream(in, 8192), MAX_ANSWER_BYTES);
        if (body == null) {
            throw new IOException("connection closed without an answer");
        }
        return Envelopes.decodeResponse(Envelopes.detectWire(body), body);
    }

    private static synchronized void set(AutoCloseable[] holder, AutoCloseable c) {
        holder[0] = c;
    }

    private static synchronized void closeQuietly(AutoCloseable[] holder) {
        AutoCloseable c = holder[0];
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing: nothing to add
            }
        }
    }
}
