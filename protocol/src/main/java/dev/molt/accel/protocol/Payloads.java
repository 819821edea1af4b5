package dev.molt.accel.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Payload codecs (PROTOCOL.md section 3): maps Java values to and from {@code msgpack} and
 * {@code json} payload bytes; {@code raw} and {@code arrow_ipc} payloads are opaque byte arrays.
 *
 * <p>This is the one place where protocol and client code touch Jackson's data binding, so the
 * binding can change without touching callers. Records, maps, lists, strings, numbers, booleans and
 * byte arrays map as expected; unknown properties are ignored when decoding into a type. Nesting is
 * limited to {@value #MAX_NESTING_DEPTH} levels on both codecs so that hostile payloads cannot
 * exhaust the stack. Stateless and thread-safe.
 */
public final class Payloads {

    /** Deepest nesting of arrays and maps accepted in a payload. */
    public static final int MAX_NESTING_DEPTH = 1000;

    private static final ObjectMapper JSON_MAPPER = configure(JsonMapper.builder().build())
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
    // the msgpack parser throws instead of reporting the end of input, so trailing bytes are
    // detected by checkMsgpack rather than by Jackson
    private static final ObjectMapper MSGPACK_MAPPER = configure(new ObjectMapper(new MessagePackFactory()));
    private static final Map<Type, JavaType> TYPES = new ConcurrentHashMap<>();

    private Payloads() {
    }

    /**
     * Longest number accepted in a JSON payload, in characters: far more than any double or 64-bit
     * integer needs, short enough that converting it costs nothing.
     */
    public static final int MAX_NUMBER_LENGTH = 100;

    private static ObjectMapper configure(ObjectMapper mapper) {
        // strings and names cannot be longer than the payload that holds them, which the frame
        // limit already bounds; Jackson's own default (20 M characters) would refuse legal frames
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxStringLength(Integer.MAX_VALUE)
                .build());
        mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        mapper.configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
        return mapper;
    }

    /**
     * Encodes {@code value} with {@code codec}. For opaque codecs the value must be a {@code byte[]}
     * (returned as is) or {@code null} (empty).
     *
     * @throws PayloadException when the value cannot be encoded
     */
    public static byte[] encode(Codec codec, Object value) {
        if (codec.isOpaque()) {
            if (value == null) {
                return new byte[0];
            }
            if (value instanceof byte[] bytes) {
                return bytes;
            }
            throw new PayloadException("A " + codec.id() + " payload must be a byte[], not "
                    + value.getClass().getSimpleName(), null);
        }
        if (codec == Codec.MSGPACK) {
            byte[] plain = MsgpackPlainValues.encode(value, Integer.MAX_VALUE - 8);
            if (plain != null) {
                return plain;
            }
        }
        try {
            return mapper(codec).writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new PayloadException("Cannot encode " + value.getClass().getSimpleName() + " as "
                    + codec.id() + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Encodes {@code value} with {@code codec}, stopping as soon as the encoding passes
     * {@code maxBytes}: a value far larger than the limit costs about the limit, not its own size.
     *
     * @throws PayloadTooLargeException when the encoding is larger than {@code maxBytes}
     * @throws PayloadException when the value cannot be encoded
     */
    public static byte[] encode(Codec codec, Object value, int maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes < 0: " + maxBytes);
        }
        if (codec.isOpaque()) {
            byte[] bytes = encode(codec, value);
            if (bytes.length > maxBytes) {
                throw new PayloadTooLargeException(maxBytes);
            }
            return bytes;
        }
        if (codec == Codec.MSGPACK) {
            byte[] plain = MsgpackPlainValues.encode(value, maxBytes);
            if (plain != null) {
                return plain;
            }
        }
        BoundedEncoding.BoundedBytes out = new BoundedEncoding.BoundedBytes(maxBytes);
        ObjectMapper mapper = mapper(codec);
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            mapper.writeValue(codec == Codec.MSGPACK ? new BoundedEncoding.CountingGenerator(g, maxBytes) : g, value);
        } catch (IOException e) {
            // Jackson wraps what a generator throws inside a serializer
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof PayloadTooLargeException tooLarge) {
                    throw tooLarge;
                }
            }
            String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new PayloadException("Cannot encode " + (value == null ? "null" : value.getClass().getSimpleName())
                    + " as " + codec.id() + ": " + detail, e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes a payload into plain Java values: {@code Map<String, Object>}, {@code List},
     * {@code String}, numbers, booleans, {@code byte[]} or {@code null}. Opaque codecs give the bytes.
     *
     * @throws PayloadException when the bytes are not valid for the codec
     */
    public static Object decode(Codec codec, byte[] payload) {
        return decode(codec, payload, Object.class);
    }

    /**
     * Decodes a payload into {@code type} (a class, a record or a generic type such as
     * {@code List<Item>}). For opaque codecs {@code type} must accept {@code byte[]}.
     *
     * @throws PayloadException when the bytes are not valid for the codec or do not fit the type
     */
    @SuppressWarnings("unchecked")
    public static <T> T decode(Codec codec, byte[] payload, Type type) {
        if (codec.isOpaque()) {
            if (type == byte[].class || type == Object.class) {
                return (T) payload;
            }
            throw new PayloadException("A " + codec.id() + " payload can only be read as byte[]", null);
        }
        if (payload == null || payload.length == 0) {
            throw new PayloadException("Empty " + codec.id() + " payload", null);
        }
        if (codec == Codec.MSGPACK) {
            checkMsgpack(payload);
        }
        try {
            return mapper(codec).readValue(payload, javaType(type));
        } catch (IOException | RuntimeException e) {
            // msgpack's parser reports truncation with its own unchecked exceptions
            String detail = e instanceof MessagePackException m ? MsgpackChecks.describe(m) : SafeMessages.describe(e);
            throw new PayloadException("Invalid " + codec.id() + " payload: " + detail, e);
        }
    }

    /**
     * Converts a decoded value (for example a {@code Map}) into {@code type}, as if it had been
     * encoded and decoded.
     *
     * @throws PayloadException when the value does not fit the type
     */
    public static <T> T convert(Object value, Type type) {
        try {
            return JSON_MAPPER.convertValue(value, javaType(type));
        } catch (IllegalArgumentException e) {
            // the binding error names the target type: callers may pass the message to their peer
            String detail = e.getCause() instanceof JsonProcessingException j ? SafeMessages.describe(j) : "invalid value";
            throw new PayloadException("Cannot convert value: " + detail, e);
        }
    }

    /** Re-encodes a payload from one structured codec to another; the same codec returns the bytes as is. */
    public static byte[] transcode(byte[] payload, Codec from, Codec to) {
        if (from == to) {
            return payload;
        }
        return encode(to, decode(from, payload));
    }

    private static ObjectMapper mapper(Codec codec) {
        return codec == Codec.JSON ? JSON_MAPPER : MSGPACK_MAPPER;
    }

    private static JavaType javaType(Type type) {
        JavaType t = TYPES.get(type);
        if (t == null) {
            t = JSON_MAPPER.getTypeFactory().constructType(type);
            if (TYPES.size() < 1024) {
                TYPES.put(type, t);
            }
        }
        return t;
    }

    /**
     * Checks a msgpack payload before Jackson reads it: no header may claim more than the bytes
     * that remain (msgpack's Jackson parser allocates what a str/bin/ext header claims), nesting
     * no deeper than {@link #MAX_NESTING_DEPTH} (the msgpack parser does not enforce Jackson's
     * nesting limit), no bytes after the value.
     */
    private static void checkMsgpack(byte[] payload) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload)) {
            MsgpackChecks.skipValue(u, payload.length, MAX_NESTING_DEPTH);
            if (u.getTotalReadBytes() < payload.length) {
                throw new PayloadException("Invalid msgpack payload: " + (payload.length - u.getTotalReadBytes())
                        + " trailing bytes after the value", null);
            }
        } catch (IOException | MessagePackException e) {
            throw new PayloadException("Invalid msgpack payload: " + MsgpackChecks.describe(e), null);
        }
    }
}
