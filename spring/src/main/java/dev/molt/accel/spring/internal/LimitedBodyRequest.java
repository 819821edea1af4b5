package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltRequestTooLargeException;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A request whose body stream counts the bytes read and, once {@linkplain #arm armed} with a limit,
 * fails with {@link MoltRequestTooLargeException} as soon as the count passes it, whatever the
 * request declared (chunked bodies have no length). Unarmed, the stream only counts. Belongs to one
 * request and is used by its threads one at a time, like the request itself.
 */
final class LimitedBodyRequest extends HttpServletRequestWrapper {

    private volatile long limit = -1;
    private LimitedStream stream;
    private BufferedReader reader;

    LimitedBodyRequest(HttpServletRequest request) {
        super(request);
    }

    /** Refuses bodies longer than {@code maxBytes} from now on (also the bytes already read count). */
    void arm(long maxBytes) {
        this.limit = maxBytes;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (stream == null) {
            stream = new LimitedStream(super.getInputStream());
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
        return reader;
    }

    private final class LimitedStream extends ServletInputStream {
        private final ServletInputStream in;
        private long read;

        LimitedStream(ServletInputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            check();
            int b = in.read();
            if (b >= 0) {
                read++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            long max = limit;
            // never read more than one byte past the limit, so a refused body costs at most the limit
            int n = in.read(b, off, max < 0 ? len : (int) Math.min(len, Math.max(1, max - read + 1)));
            if (n > 0) {
                read += n;
                check();
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long max = limit;
            long skipped = in.skip(max < 0 ? n : Math.min(n, Math.max(1, max - read + 1)));
            read += Math.max(0, skipped);
            check();
            return skipped;
        }

        /** Fails once more than the limit has been read; reads stop one byte past it. */
        private void check() {
            long max = limit;
            if (max >= 0 && read > max) {
                throw new MoltRequestTooLargeException(max, -1);
            }
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
