package dev.molt.accel.client.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * A bounded in-memory pipe: one writer side, one reader side, a ring buffer between them. A full
 * buffer blocks the writer, as a full OS pipe does; closing the writer gives the reader EOF after
 * the buffered bytes; {@link #breakPipe()} fails both sides at once (a killed peer). Thread-safe.
 */
final class BytePipe {

    private final byte[] buf;
    private int head;
    private int size;
    private boolean writerClosed;
    private boolean readerClosed;
    private boolean broken;

    final InputStream in = new SingleByteViaArray() {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return BytePipe.this.read(b, off, len);
        }

        @Override
        public int available() {
            synchronized (BytePipe.this) {
                return size;
            }
        }

        @Override
        public void close() {
            synchronized (BytePipe.this) {
                readerClosed = true;
                BytePipe.this.notifyAll();
            }
        }
    };

    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            BytePipe.this.write(b, off, len);
        }

        @Override
        public void close() {
            synchronized (BytePipe.this) {
                writerClosed = true;
                BytePipe.this.notifyAll();
            }
        }
    };

    BytePipe(int capacity) {
        this.buf = new byte[capacity];
    }

    private synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (size == 0) {
            if (broken || readerClosed) {
                throw new IOException("pipe closed");
            }
            if (writerClosed) {
                return -1;
            }
            await();
        }
        int n = Math.min(len, size);
        for (int i = 0; i < n; i++) {
            b[off + i] = buf[(head + i) % buf.length];
        }
        head = (head + n) % buf.length;
        size -= n;
        notifyAll();
        return n;
    }

    private synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (broken || readerClosed || writerClosed) {
                throw new IOException("broken pipe");
            }
            if (size == buf.length) {
                await();
                continue;
            }
            int n = Math.min(len, buf.length - size);
            int tail = (head + size) % buf.length;
            for (int i = 0; i < n; i++) {
                buf[(tail + i) % buf.length] = b[off + i];
            }
            size += n;
            off += n;
            len -= n;
            notifyAll();
        }
    }

    /** EOF for the reader once the buffered bytes are read. */
    synchronized void closeWriter() {
        writerClosed = true;
        notifyAll();
    }

    /** The reader is gone: writes fail. */
    synchronized void closeReader() {
        readerClosed = true;
        notifyAll();
    }

    /** Fails both sides now. */
    synchronized void breakPipe() {
        broken = true;
        notifyAll();
    }

    private void await() throws InterruptedIOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
