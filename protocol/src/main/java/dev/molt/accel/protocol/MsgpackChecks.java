package dev.molt.accel.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageInsufficientBufferException;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessageNeverUsedFormatException;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;

/**
 * Reads msgpack from a peer without believing its length headers: a str, bin or ext header may not
 * claim more bytes than remain in the input, an array or map header not more entries than the
 * remaining bytes could hold (every value takes at least one byte). Each check runs right after the
 * header is read and before anything is allocated for it, so a 76-byte frame claiming a 1 GiB string
 * costs nothing. Without recursion. Stateless; the unpackers belong to the callers.
 */
final class MsgpackChecks {

    private MsgpackChecks() {
    }

    /**
     * A header claiming more than its input holds, or nesting deeper than allowed. The message is
     * short, names no internals and is safe to send to the peer.
     */
    static final class LimitException extends MessagePackException {
        private static final long serialVersionUID = 1L;

        LimitException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // a rejection of hostile input, not a bug: no stack trace to collect
        }
    }

    /**
     * Skips one value and everything nested in it.
     *
     * @param end the number of input bytes the unpacker can read in total (its input's length)
     * @param maxDepth deepest nesting of arrays and maps accepted
     * @throws LimitException when a header claims more than remains or nesting is too deep
     */
    static void skipValue(MessageUnpacker u, long end, int maxDepth) throws IOException {
        // values still to skip at each open level; grown on demand, most values are shallow
        int[] remaining = new int[8];
        int depth = 0;
        remaining[0] = 1;
        while (true) {
            if (remaining[depth] == 0) {
                if (depth == 0) {
                    return;
                }
                depth--;
                continue;
            }
            remaining[depth]--;
            if (end - u.getTotalReadBytes() <= 0) {
                throw new MessageInsufficientBufferException();
            }
            MessageFormat f = u.getNextFormat();
            if (f == MessageFormat.NEVER_USED) {
                throw new MessageNeverUsedFormatException("0xc1");
            }
            long children;
            switch (f.getValueType()) {
                case ARRAY -> children = checkEntries(u.unpackArrayHeader(), 1, u, end, "array");
                case MAP -> children = checkEntries(u.unpackMapHeader(), 2, u, end, "map");
                case STRING -> {
                    skip(u, checkLength(u.unpackRawStringHeader(), u, end, "str"));
                    continue;
                }
                case BINARY -> {
                    skip(u, checkLength(u.unpackBinaryHeader(), u, end, "bin"));
                    continue;
                }
                case EXTENSION -> {
                    ExtensionTypeHeader h = u.unpackExtensionTypeHeader();
                    skip(u, checkLength(h.getLength(), u, end, "ext"));
                    continue;
                }
                default -> {
                    u.skipValue(); // nil, boolean, integer, float: a few fixed bytes
                    continue;
                }
            }
            if (children > 0) {
                if (depth + 1 > maxDepth) {
                    throw new LimitException("nesting deeper than " + maxDepth + " levels");
                }
                if (++depth == remaining.length) {
                    remaining = Arrays.copyOf(remaining, remaining.length * 2);
                }
                remaining[depth] = (int) children;
            }
        }
    }

    private static void skip(MessageUnpacker u, int len) throws IOException {
        if (len > 0) {
            u.readPayloadAsReference(len); // over an array: a view of it, nothing copied
        }
    }

    /**
     * Reads a string value (the next value must be a str) after checking its length against the
     * bytes that remain. Malformed UTF-8 is replaced, as msgpack-core does by default.
     */
    static String readString(MessageUnpacker u, long end) throws IOException {
        return readStringPayload(u, checkLength(u.unpackRawStringHeader(), u, end, "str"));
    }

    /** Reads the {@code len} bytes of a string whose header was read and its length checked. */
    static String readStringPayload(MessageUnpacker u, int len) throws IOException {
        if (len == 0) {
            return "";
        }
        MessageBuffer ref = u.readPayloadAsReference(len);
        return ref.hasArray()
                ? new String(ref.array(), ref.arrayOffset(), len, StandardCharsets.UTF_8)
                : new String(ref.toByteArray(), StandardCharsets.UTF_8);
    }

    /**
     * Checks a str/bin/ext length just read against the bytes that remain.
     *
     * @return {@code len}
     */
    static int checkLength(int len, MessageUnpacker u, long end, String kind) {
        long left = end - u.getTotalReadBytes();
        if (len < 0 || len > left) {
            throw new LimitException(kind + " header claims " + Integer.toUnsignedString(len) + " bytes but only "
                    + left + " remain");
        }
        return len;
    }

    /**
     * Checks the entry count of an array ({@code valuesPerEntry} 1) or map (2) just read against the
     * bytes that remain.
     *
     * @return the number of values the entries hold
     */
    static long checkEntries(int entries, int valuesPerEntry, MessageUnpacker u, long end, String kind) {
        long left = end - u.getTotalReadBytes();
        long values = (entries & 0xFFFF_FFFFL) * valuesPerEntry;
        if (entries < 0 || values > left) {
            throw new LimitException(kind + " header claims " + Integer.toUnsignedString(entries)
                    + " entries but only " + left + " bytes remain");
        }
        return values;
    }

    /** A short description of why msgpack could not be read, safe to send to the peer. */
    static String describe(Exception e) {
        if (e instanceof LimitException) {
            return e.getMessage();
        }
        if (e instanceof MessageInsufficientBufferException || e instanceof EOFException) {
            return "truncated msgpack";
        }
        if (e instanceof MessageNeverUsedFormatException) {
            return "malformed msgpack (reserved byte 0xc1)";
        }
        if (e instanceof MessageSizeException || e instanceof MessageIntegerOverflowException) {
            return "malformed msgpack (a length or integer out of range)";
        }
        return "malformed msgpack";
    }
}
