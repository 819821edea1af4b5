package dev.molt.accel.client.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Connections to one worker {@link Endpoint}: a Unix socket, TCP, or TLS over TCP (TLS 1.3
 * preferred, 1.2 allowed; the server's certificate checked against the host name dialled unless
 * {@link SocketSettings#verifyHostname()} is off). Every connect and handshake is bounded by
 * {@link SocketSettings#connectTimeout()}; once connected, reads have no timeout of their own: the
 * engine's deadlines and probes bound them. Thread-safe.
 */
public final class SocketTransport implements Transport {

    private static final String[] PREFERRED_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Endpoint endpoint;
    private final SocketSettings settings;

    public SocketTransport(Endpoint endpoint, SocketSettings settings) {
        this.endpoint = endpoint;
        this.settings = settings;
    }

    @Override
    public Connection open() throws IOException {
        return open(null, null);
    }

    /**
     * Opens a connection to {@code address} (one of the host's addresses; {@code null}: resolve the
     * host now); {@code owner} (or {@code null}) learns when it is ready and when it ends.
     */
    Connection open(InetAddress address, SocketConnection.Owner owner) throws IOException {
        if (endpoint.scheme() == Endpoint.Scheme.UNIX) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(endpoint.path()));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw new IOException("cannot connect to " + endpoint + ": " + e.getMessage(), e);
            }
            return SocketConnection.of(endpoint.toString(), ch, owner);
        }
        InetSocketAddress target = address != null ? new InetSocketAddress(address, endpoint.port())
                : new InetSocketAddress(endpoint.host(), endpoint.port());
        String shown = describe(address);
        if (target.isUnresolved()) {
            throw new IOException("cannot resolve " + endpoint.host() + " (" + endpoint + ")");
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, Math.max(1, settings.connectTimeout().toMillis()));
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(target, timeout);
            if (endpoint.scheme() == Endpoint.Scheme.TCP) {
                return SocketConnection.of(shown, socket, null, owner);
            }
            SSLSocket tls = handshake(socket, timeout);
            return SocketConnection.of(shown, socket, tls, owner);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw new IOException("cannot connect to " + shown + ": " + e.getMessage(), e);
        }
    }

    private SSLSocket handshake(Socket socket, int timeout) throws IOException {
        SSLContext ctx = settings.sslContext();
        if (ctx == null) {
            try {
                ctx = SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                throw new IOException("no default TLS context: " + e.getMessage(), e);
            }
        }
        SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(socket, endpoint.host(), endpoint.port(), true);
        SSLParameters params = tls.getSSLParameters();
        List<String> supported = Arrays.asList(tls.getSupportedProtocols());
        List<String> protocols = new ArrayList<>();
        for (String p : PREFERRED_PROTOCOLS) {
            if (supported.contains(p)) {
                protocols.add(p);
            }
        }
        params.setProtocols(protocols.toArray(String[]::new));
        if (settings.verifyHostname()) {
            params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        tls.setSSLParameters(params);
        socket.setSoTimeout(timeout);
        tls.startHandshake();
        socket.setSoTimeout(0);
        return tls;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    String describe(InetAddress address) {
        if (address == null || endpoint.hostIsLiteral()) {
            return endpoint.toString();
        }
        return endpoint + " (" + address.getHostAddress() + ")";
    }

    @Override
    public String describe() {
        return endpoint.toString();
    }

    @Override
    public String source() {
        return "endpoint " + endpoint;
    }
}
