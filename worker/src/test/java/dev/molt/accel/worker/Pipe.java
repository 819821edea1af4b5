package dev.molt.accel.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An unbounded in-memory byte pipe between threads, with stream semantics the worker sees on real
 * pipes: closing the output gives the reader end of file; closing the input makes further writes
 * fail (the peer is gone). Unlike {@code PipedInputStream} it does not care which threads use it.
 */
final class Pipe {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private byte[] buf = new byte[8192];
    private int head;
    private int tail;
    private boolean writerClosed;
    private boolean readerClosed;

    final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (head == tail && !writerClosed && !readerClosed) {
                    readable.awaitUninterruptibly();
                }
                if (readerClosed) {
                    throw new IOException("Pipe closed by its reader");
                }
                if (head == tail) {
                    return -1;
                }
                int n = Math.min(len, tail - head);
                System.arraycopy(buf, head, b, off, n);
                head += n;
                return n;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            closeReader();
        }
    };

    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            lock.lock();
            try {
                if (readerClosed) {
                    throw new IOException("Broken pipe");
                }
                if (writerClosed) {
                    throw new IOException("Pipe closed by its writer");
                }
                if (buf.length - tail < len) {
                    int live = tail - head;
                    byte[] next = live + len <= buf.length / 2 ? buf : new byte[Math.max(buf.length * 2, live + len)];
                    System.arraycopy(buf, head, next, 0, live);
                    buf = next;
                    head = 0;
                    tail = live;
                }
                System.arraycopy(b, off, buf, tail, len);
                tail += len;
                readable.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            closeWriter();
        }
    };

    /** End of file for the reader once it has read what was written. */
    void closeWriter() {
        lock.lock();
        try {
            writerClosed = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Further writes fail, as on a pipe whose reader went away. */
    void closeReader() {
        lock.lock();
        try {
            readerClosed = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
