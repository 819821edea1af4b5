package dev.molt.accel.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Streams over a blocking {@link SocketChannel} (a Unix socket) that one thread may read while
 * another writes: {@code Channels.newInputStream} would serialize a blocked read with every write on
 * the channel's blocking lock. Reads and writes go straight to the channel; writes are of whole
 * buffers. Unbuffered: wrap them. Thread-safe as the channel is (one reader and one writer at once).
 */
public final class ChannelStreams {

    private ChannelStreams() {
    }

    /**
     * Reads of {@code ch}.
     *
     * @param closesChannel whether closing the stream closes the channel (else it does nothing)
     */
    public static InputStream input(SocketChannel ch, boolean closesChannel) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return ch.read(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                if (closesChannel) {
                    ch.close();
                }
            }
        };
    }

    /**
     * Writes of {@code ch}.
     *
     * @param halfCloses whether closing the stream only ends the output ({@code shutdownOutput},
     *     the peer reads the end of its input) instead of closing the channel
     */
    public static OutputStream output(SocketChannel ch, boolean halfCloses) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }

            @Override
            public void close() throws IOException {
                if (!halfCloses) {
                    ch.close();
                } else if (ch.isOpen()) {
                    ch.shutdownOutput();
                }
            }
        };
    }
}
