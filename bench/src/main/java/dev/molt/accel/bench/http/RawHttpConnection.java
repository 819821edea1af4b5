package dev.molt.accel.bench.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 keep-alive connection on a blocking socket, as light as a load generator can be: the
 * request is a prepared byte array; the response is parsed in place (status line, then only
 * {@code Content-Length}, {@code Transfer-Encoding: chunked} and {@code Connection: close}) and its body
 * skipped. Reconnects lazily after the server closes. Not thread-safe: one per load thread.
 */
final class RawHttpConnection implements LoadGenerator.Exchange {

    private final InetSocketAddress address;
    private final byte[] request;
    private final int timeoutMillis;
    private final byte[] buf = new byte[32 * 1024];
    private int pos;
    private int lim;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private boolean closeAfter;
    private int bodyBytes;
    private long contentLength;
    private boolean chunked;
    /** End (exclusive, before CRLF) of the line {@link #readLine()} read last. */
    private int lineEnd;

    RawHttpConnection(InetSocketAddress address, String method, String pathAndQuery, int timeoutMillis) {
        this.address = address;
        this.timeoutMillis = timeoutMillis;
        String host = address.getHostString() + ":" + address.getPort();
        this.request = (method + " " + pathAndQuery + " HTTP/1.1\r\nHost: " + host
                + "\r\nAccept: application/json\r\nUser-Agent: molt-bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends the request and reads the whole answer; returns its status. */
    @Override
    public int exchange() throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            int status = readResponse();
            if (closeAfter) {
                close();
            }
            return status;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Body length of the last answer. */
    int lastBodyBytes() {
        return bodyBytes;
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMillis);
        s.connect(address, timeoutMillis);
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
        pos = 0;
        lim = 0;
    }

    private int readResponse() throws IOException {
        int status;
        do {
            status = readHead();
            // 1xx answers are followed by the real one
        } while (status >= 100 && status < 200);
        return status;
    }

    private int readHead() throws IOException {
        int lineStart = readLine();
        // "HTTP/1.1 200 OK"
        if (lineEnd - lineStart < 12 || buf[lineStart] != 'H') {
            throw new IOException("Bad status line");
        }
        int status = digit(lineStart + 9) * 100 + digit(lineStart + 10) * 10 + digit(lineStart + 11);
        contentLength = -1;
        chunked = false;
        closeAfter = buf[lineStart + 7] == '0'; // HTTP/1.0
        while (true) {
            int start = readLine();
            if (lineEnd == start) {
                break;
            }
            if (startsWithIgnoreCase(start, "content-length:")) {
                contentLength = parseLong(start + 15, lineEnd);
            } else if (startsWithIgnoreCase(start, "transfer-encoding:")) {
                chunked = containsIgnoreCase(start + 18, lineEnd, "chunked");
            } else if (startsWithIgnoreCase(start, "connection:")) {
                closeAfter = containsIgnoreCase(start + 11, lineEnd, "close");
            }
        }
        bodyBytes = 0;
        if (status >= 100 && status < 200 || status == 204 || status == 304) {
            return status;
        }
        if (chunked) {
            while (true) {
                int start = readLine();
                long size = parseHex(start, lineEnd);
                if (size == 0) {
                    while (readLine() != lineEnd) {
                        // trailers
                    }
                    break;
                }
                skip(size);
                readLine();
            }
        } else if (contentLength >= 0) {
            skip(contentLength);
        } else {
            // no length: the body ends with the connection
            while (fill()) {
                bodyBytes += lim - pos;
                pos = lim;
            }
            closeAfter = true;
        }
        return status;
    }

    /** Reads one CRLF-terminated line into the buffer; returns its start, sets {@link #lineEnd}. */
    private int readLine() throws IOException {
        int start = pos;
        int scan = pos;
        while (true) {
            while (scan < lim) {
                if (buf[scan] == '\n') {
                    lineEnd = scan > start && buf[scan - 1] == '\r' ? scan - 1 : scan;
                    pos = scan + 1;
                    return start;
                }
                scan++;
            }
            if (start > 0) {
                // compact so that the line fits
                int n = lim - start;
                System.arraycopy(buf, start, buf, 0, n);
                scan -= start;
                start = 0;
                lim = n;
                pos = 0;
            }
            if (lim == buf.length) {
                throw new IOException("Header line longer than " + buf.length + " bytes");
            }
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                throw new EOFException("Connection closed by the server");
            }
            lim += r;
        }
    }

    private void skip(long n) throws IOException {
        bodyBytes += (int) Math.min(Integer.MAX_VALUE, n);
        while (n > 0) {
            if (pos == lim && !fill()) {
                throw new EOFException("Connection closed inside a body");
            }
            int take = (int) Math.min(n, lim - pos);
            pos += take;
            n -= take;
        }
    }

    private boolean fill() throws IOException {
        pos = 0;
        lim = 0;
        int r = in.read(buf, 0, buf.length);
        if (r < 0) {
            return false;
        }
        lim = r;
        return true;
    }

    private int digit(int i) throws IOException {
        int d = buf[i] - '0';
        if (d < 0 || d > 9) {
            throw new IOException("Bad status code");
        }
        return d;
    }

    private boolean startsWithIgnoreCase(int start, String prefix) {
        if (lineEnd - start < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase((char) buf[start + i]) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean containsIgnoreCase(int from, int to, String word) {
        return new String(buf, from, to - from, StandardCharsets.US_ASCII).toLowerCase().contains(word);
    }

    private long parseLong(int from, int to) throws IOException {
        long v = 0;
        boolean any = false;
        for (int i = from; i < to; i++) {
            byte b = buf[i];
            if (b >= '0' && b <= '9') {
                v = v * 10 + (b - '0');
                any = true;
            } else if (b != ' ' && b != '\t') {
                throw new IOException("Bad Content-Length");
            }
        }
        if (!any) {
            throw new IOException("Bad Content-Length");
        }
        return v;
    }

    private long parseHex(int from, int to) throws IOException {
        long v = 0;
        boolean any = false;
        for (int i = from; i < to; i++) {
            int b = buf[i];
            int d = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
            if (d < 0) {
                if (b == ';' || b == ' ') {
                    break;
                }
                throw new IOException("Bad chunk size");
            }
            v = v * 16 + d;
            any = true;
        }
        if (!any) {
            throw new IOException("Bad chunk size");
        }
        return v;
    }

    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        pos = 0;
        lim = 0;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing: nothing left to do
            }
        }
    }
}
