package dev.molt.accel.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Length-prefixed framing (PROTOCOL.md section 1): a 4-byte unsigned little-endian length, then
 * that many bytes of body. Stateless and thread-safe; callers own the streams.
 */
public final class Frames {

    /** Default largest body accepted or produced: 64 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

    /** Size of the length prefix. */
    public static final int HEADER_BYTES = 4;

    /** Bodies up to this size are read into one array allocated up front. */
    private static final int DIRECT_READ_LIMIT = 1024 * 1024;

    private Frames() {
    }

    /**
     * Reads one frame body.
     *
     * <p>A length above {@code maxFrameBytes} is rejected before anything is allocated. Bodies
     * larger than 1 MiB are read in chunks, so a peer that announces a large frame and then stops
     * cannot make the reader hold more memory than it actually sent.
     *
     * @return the body, or {@code null} when the stream ended cleanly between frames
     * @throws EOFException when the stream ends inside a frame
     * @throws FrameTooLargeException when the length prefix exceeds {@code maxFrameBytes}
     */
    public static byte[] read(InputStream in, int maxFrameBytes) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = in.read();
        int b2 = in.read();
        int b3 = in.read();
        if ((b1 | b2 | b3) < 0) {
            throw new EOFException("Stream ended inside a frame header");
        }
        long length = (b0 | (b1 << 8) | (b2 << 16) | ((long) b3 << 24)) & 0xFFFF_FFFFL;
        if (length > maxFrameBytes) {
            throw new FrameTooLargeException(length, maxFrameBytes);
        }
        int len = (int) length;
        byte[] body;
        if (len <= DIRECT_READ_LIMIT) {
            body = new byte[len];
            int n = in.readNBytes(body, 0, len);
            if (n < len) {
                throw truncated(len, n);
            }
        } else {
            body = in.readNBytes(len);
            if (body.length < len) {
                throw truncated(len, body.length);
            }
        }
        return body;
    }

    private static EOFException truncated(int expected, int got) {
        return new EOFException("Stream ended inside a frame: expected " + expected + " body bytes, got " + got);
    }

    /**
     * Fills in the length prefix of a frame whose first 4 bytes were reserved for it.
     *
     * @return {@code frame}
     * @throws IllegalArgumentException when the body exceeds {@code maxFrameBytes}
     */
    public static byte[] sealFrame(byte[] frame, int maxFrameBytes) {
        int bodyLength = frame.length - HEADER_BYTES;
        checkSize(bodyLength, maxFrameBytes);
        putLength(frame, 0, bodyLength);
        return frame;
    }

    private static void checkSize(int bodyLength, int maxFrameBytes) {
        if (bodyLength > maxFrameBytes) {
            throw new IllegalArgumentException(
                    "Frame body of " + bodyLength + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
        }
    }

    private static void putLength(byte[] dst, int offset, int length) {
        dst[offset] = (byte) length;
        dst[offset + 1] = (byte) (length >>> 8);
        dst[offset + 2] = (byte) (length >>> 16);
        dst[offset + 3] = (byte) (length >>> 24);
    }
}
