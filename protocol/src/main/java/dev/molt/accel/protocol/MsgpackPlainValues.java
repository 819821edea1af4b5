package dev.molt.accel.protocol;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Encodes plain Java values straight to msgpack with msgpack-core: maps with string keys, lists and
 * other collections, strings, integers of up to 64 bits, floats, doubles, booleans, {@code byte[]}
 * and {@code null}; what an offloaded call's resolved arguments are in most applications. It skips
 * Jackson's data binding (serializer lookup and a generator per call) and writes the same msgpack
 * types Jackson's msgpack module writes for those values. Any other value (a record, a bean, a
 * {@code BigDecimal}, a map with other keys) makes {@link #encode} give up, and the caller uses
 * Jackson. Stateless and thread-safe.
 */
final class MsgpackPlainValues {

    /** Small first buffer: most argument payloads are a few dozen bytes; it grows as needed. */
    private static final MessagePack.PackerConfig CONFIG = new MessagePack.PackerConfig().withBufferSize(256);

    /** Nesting beyond this goes to Jackson, which enforces the payload depth limit itself. */
    private static final int MAX_DEPTH = 32;

    /** Thrown inside to leave the fast path; never escapes {@link #encode}. */
    private static final class NotPlain extends Exception {
        private static final NotPlain INSTANCE = new NotPlain();

        private NotPlain() {
            super(null, null, false, false);
        }
    }

    private MsgpackPlainValues() {
    }

    /**
     * The msgpack encoding of {@code value}, or {@code null} when it holds a value this encoder
     * leaves to Jackson.
     *
     * @throws PayloadTooLargeException as soon as the encoding passes {@code maxBytes} (a single
     *     string or byte array is checked before it is copied)
     */
    static byte[] encode(Object value, int maxBytes) {
        MessageBufferPacker packer = CONFIG.newBufferPacker();
        try {
            write(packer, value, maxBytes, 0);
            packer.flush();
            if (packer.getTotalWrittenBytes() > maxBytes) {
                throw new PayloadTooLargeException(maxBytes);
            }
            return packer.toByteArray();
        } catch (NotPlain e) {
            return null;
        } catch (IOException e) {
            // an in-memory buffer does not fail; keep the caller's contract anyway
            throw new PayloadException("Cannot encode " + value.getClass().getSimpleName() + " as msgpack: " + e, e);
        }
    }

    private static void write(MessageBufferPacker p, Object v, int maxBytes, int depth) throws IOException, NotPlain {
        if (p.getTotalWrittenBytes() > maxBytes) {
            throw new PayloadTooLargeException(maxBytes);
        }
        if (v == null) {
            p.packNil();
        } else if (v instanceof String s) {
            if (s.length() > maxBytes) { // at least one byte per character
                throw new PayloadTooLargeException(maxBytes);
            }
            p.packString(s);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            p.packLong(((Number) v).longValue());
        } else if (v instanceof Double d) {
            p.packDouble(d);
        } else if (v instanceof Float f) {
            p.packFloat(f);
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else if (v instanceof byte[] bytes) {
            if (bytes.length > maxBytes) {
                throw new PayloadTooLargeException(maxBytes);
            }
            p.packBinaryHeader(bytes.length);
            p.writePayload(bytes);
        } else if (v instanceof Map<?, ?> m && depth < MAX_DEPTH) {
            p.packMapHeader(m.size());
            int n = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw NotPlain.INSTANCE;
                }
                write(p, key, maxBytes, depth + 1);
                write(p, e.getValue(), maxBytes, depth + 1);
                n++;
            }
            if (n != m.size()) {
                throw NotPlain.INSTANCE; // changed while written: let Jackson report it
            }
        } else if (v instanceof Collection<?> c && depth < MAX_DEPTH) {
            p.packArrayHeader(c.size());
            int n = 0;
            for (Object item : c) {
                write(p, item, maxBytes, depth + 1);
                n++;
            }
            if (n != c.size()) {
                throw NotPlain.INSTANCE;
            }
        } else {
            throw NotPlain.INSTANCE;
        }
    }
}
