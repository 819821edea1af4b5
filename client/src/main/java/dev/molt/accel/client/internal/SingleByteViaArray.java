package dev.molt.accel.client.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream whose one-byte {@link #read()} is its array read of one byte, so that a
 * subclass has one read path to get right (end of stream, failures, what it notes on the way).
 * Thread-safety is the subclass's.
 */
abstract class SingleByteViaArray extends InputStream {

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;
}
