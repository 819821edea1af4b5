package dev.molt.accel.spring.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP/1.1 over a raw loopback socket, for what {@code HttpClient} will not send: chunked bodies of
 * any size streamed from a generator (never held in memory), request targets with bytes that are not
 * valid UTF-8, bodies that trickle. The answer is read while the body is still being written, as a
 * server answers a refused body before it has all arrived.
 */
public final class RawHttp {

    /** An answer: status, headers (lower-case names), body, time from the first byte sent, body bytes sent. */
    public record Answer(int status, Map<String, String> headers, String body, long millis, long bytesSent) {
    }

    private RawHttp() {
    }

    /**
     * POSTs a chunked body: {@code prefix}, then {@code fill} bytes up to {@code totalBytes}, in 64 KiB
     * chunks written from one reused buffer, on a thread of its own while the answer is read.
     */
    public static Answer chunkedPost(int port, String path, String contentType, String prefix, long totalBytes,
            byte fill, int readTimeoutMillis) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(readTimeoutMillis);
            OutputStream out = socket.getOutputStream();
            AtomicLong sent = new AtomicLong();
            long t0 = System.nanoTime();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread writer = new Thread(() -> {
                try {
                    byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
                    writeChunk(out, head, head.length);
                    sent.addAndGet(head.length);
                    byte[] buf = new byte[64 * 1024];
                    Arrays.fill(buf, fill);
                    while (sent.get() < totalBytes) {
                        int n = (int) Math.min(buf.length, totalBytes - sent.get());
                        writeChunk(out, buf, n);
                        sent.addAndGet(n);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // the server stopped reading: expected once it refused the body
                }
            }, "raw-http-body-writer");
            writer.setDaemon(true);
            writer.start();
            try {
                Answer a = readAnswer(socket.getInputStream(), t0);
                return new Answer(a.status(), a.headers(), a.body(), a.millis(), sent.get());
            } finally {
                socket.close();
                writer.join(10_000);
            }
        }
    }

    /** Sends {@code requestHead} (request line and headers, CRLF-separated, ending with an empty line) as bytes. */
    public static Answer send(int port, byte[] requestHead, int readTimeoutMillis) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(readTimeoutMillis);
            long t0 = System.nanoTime();
            socket.getOutputStream().write(requestHead);
            socket.getOutputStream().flush();
            return readAnswer(socket.getInputStream(), t0);
        }
    }

    private static void writeChunk(OutputStream out, byte[] b, int n) throws IOException {
        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b, 0, n);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads one answer: status line, headers, and a body by {@code Content-Length} or chunked. */
    public static Answer readAnswer(InputStream in, long t0) throws IOException {
        String status = line(in);
        if (status == null) {
            throw new IOException("connection closed before an answer");
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int n = Integer.parseInt(line(in).trim(), 16); n > 0; n = Integer.parseInt(line(in).trim(), 16)) {
                body.write(in.readNBytes(n));
                line(in);
            }
        }
        return new Answer(code, headers, body.toString(StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1_000_000,
                0);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Bytes allocated so far by all live threads of this JVM (the embedded server's included). */
    public static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long a : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, a);
        }
        return total;
    }
}
