package dev.molt.accel.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Encodes and decodes request and response envelopes on both wires (PROTOCOL.md sections 2-4).
 *
 * <p>Envelopes are read field by field with msgpack-core's unpacker or Jackson's streaming parser;
 * no data binding, no intermediate tree. Every decoding failure is a {@link ProtocolException}
 * carrying the request id when it was read. Unknown fields are skipped. Stateless and thread-safe.
 */
public final class Envelopes {

    /**
     * Numbers in an envelope are ids, timeouts and metrics: 64 characters hold any of them, and a
     * longer one is rejected before it is converted. Strings are bounded by the frame itself.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNumberLength(64)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Payloads.MAX_NESTING_DEPTH)
                    .build())
            .build();
    private static final byte[] NO_BYTES = new byte[0];
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private Envelopes() {
    }

    // ---------------------------------------------------------------- wire detection

    /**
     * Detects the wire of a frame body: a MessagePack map header means msgpack, anything else is
     * read as JSON (PROTOCOL.md section 2: try msgpack, then JSON).
     */
    public static Wire detectWire(byte[] body) {
        if (body.length > 0) {
            MessageFormat f = MessageFormat.valueOf(body[0]);
            if (f == MessageFormat.FIXMAP || f == MessageFormat.MAP16 || f == MessageFormat.MAP32) {
                return Wire.MSGPACK;
            }
            if (f != MessageFormat.POSFIXINT && f != MessageFormat.NEGFIXINT) {
                // not a map and not printable ASCII: neither wire can read it; report as msgpack
                return body[0] == '{' ? Wire.JSON : Wire.MSGPACK;
            }
        }
        return Wire.JSON;
    }

    // ---------------------------------------------------------------- requests

    /** Encodes a request as a frame body. */
    public static byte[] encodeRequest(Wire wire, RequestEnvelope request) {
        return wire == Wire.MSGPACK ? packRequest(request, 0) : jsonRequest(request, 0);
    }

    /** Encodes a request as a complete frame, length prefix included. */
    public static byte[] encodeRequestFrame(Wire wire, RequestEnvelope request, int maxFrameBytes) {
        byte[] frame = wire == Wire.MSGPACK
                ? packRequest(request, Frames.HEADER_BYTES)
                : jsonRequest(request, Frames.HEADER_BYTES);
        return Frames.sealFrame(frame, maxFrameBytes);
    }

    /** Decodes a request body, detecting its wire. */
    public static RequestEnvelope decodeRequest(byte[] body) {
        return decodeRequest(detectWire(body), body);
    }

    /** Decodes a request body on a known wire. */
    public static RequestEnvelope decodeRequest(Wire wire, byte[] body) {
        Fields f = wire == Wire.MSGPACK ? unpack(body, true) : parseJson(body, true);
        if (f.requestId == null) {
            throw new ProtocolException("Invalid request: missing request_id");
        }
        long id = f.requestId;
        if (f.entry == null) {
            throw new ProtocolException("Invalid request: missing entry", id, null);
        }
        if (f.timeoutMs == null) {
            throw new ProtocolException("Invalid request: missing timeout_ms", id, null);
        }
        if (f.timeoutMs < 0 || f.timeoutMs > RequestEnvelope.MAX_TIMEOUT_MS) {
            throw new ProtocolException("Invalid request: timeout_ms must be an unsigned 32-bit integer", id, null);
        }
        if (f.codec == null) {
            throw new ProtocolException("Invalid request: missing codec", id, null);
        }
        Codec codec = Codec.lookup(f.codec);
        if (codec == null) {
            throw new ProtocolException("Invalid request: unknown codec '" + SafeMessages.escape(f.codec, 32) + "'", id, null);
        }
        return new RequestEnvelope(id, f.entry, f.timeoutMs, codec, f.payload == null ? NO_BYTES : f.payload);
    }

    // ---------------------------------------------------------------- responses

    /** Encodes a response as a frame body. */
    public static byte[] encodeResponse(Wire wire, ResponseEnvelope response) {
        return wire == Wire.MSGPACK ? packResponse(response, 0) : jsonResponse(response, 0);
    }

    /** Encodes a response as a complete frame, length prefix included. */
    public static byte[] encodeResponseFrame(Wire wire, ResponseEnvelope response, int maxFrameBytes) {
        byte[] frame = wire == Wire.MSGPACK
                ? packResponse(response, Frames.HEADER_BYTES)
                : jsonResponse(response, Frames.HEADER_BYTES);
        return Frames.sealFrame(frame, maxFrameBytes);
    }

    /** Decodes a response body, detecting its wire. */
    public static ResponseEnvelope decodeResponse(byte[] body) {
        return decodeResponse(detectWire(body), body);
    }

    /** Decodes a response body on a known wire. */
    public static ResponseEnvelope decodeResponse(Wire wire, byte[] body) {
        Fields f = wire == Wire.MSGPACK ? unpack(body, false) : parseJson(body, false);
        if (f.requestId == null) {
            throw new ProtocolException("Invalid response: missing request_id");
        }
        long id = f.requestId;
        if (f.status == null) {
            throw new ProtocolException("Invalid response: missing status", id, null);
        }
        Status status = Status.lookup(f.status);
        if (status == null) {
            throw new ProtocolException("Invalid response: unknown status '" + SafeMessages.escape(f.status, 32) + "'", id, null);
        }
        Codec codec = f.codec == null ? Codec.RAW : Codec.lookup(f.codec);
        if (codec == null) {
            throw new ProtocolException("Invalid response: unknown codec '" + SafeMessages.escape(f.codec, 32) + "'", id, null);
        }
        return new ResponseEnvelope(id, status, codec, f.payload, f.error, f.metrics, f.entry, f.compiled);
    }

    // ---------------------------------------------------------------- msgpack

    private static MessageBufferPacker packer(int estimate) {
        return new MessagePack.PackerConfig().withBufferSize(Math.max(64, estimate)).newBufferPacker();
    }

    private static byte[] packRequest(RequestEnvelope r, int reserve) {
        byte[] payload = r.payload();
        try (MessageBufferPacker p = packer(reserve + 96 + r.entry().length() * 3 + payload.length)) {
            if (reserve > 0) {
                p.writePayload(new byte[reserve]);
            }
            p.packMapHeader(5);
            p.packString("request_id");
            packUnsigned(p, r.requestId());
            p.packString("entry");
            p.packString(r.entry());
            p.packString("timeout_ms");
            p.packLong(r.timeoutMs());
            p.packString("codec");
            p.packString(r.codec().id());
            p.packString("payload");
            p.packBinaryHeader(payload.length);
            p.writePayload(payload);
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory packer failed", e);
        }
    }

    private static byte[] packResponse(ResponseEnvelope r, int reserve) {
        byte[] payload = r.payload();
        int fields = 3 + (payload != null ? 1 : 0) + (r.error() != null ? 1 : 0) + (!r.metrics().isEmpty() ? 1 : 0)
                + (r.entry() != null ? 1 : 0) + (r.compiled() != null ? 1 : 0);
        int estimate = reserve + 128 + (payload == null ? 0 : payload.length)
                + (r.error() == null ? 0 : r.error().length() * 3) + r.metrics().size() * 24;
        try (MessageBufferPacker p = packer(estimate)) {
            if (reserve > 0) {
                p.writePayload(new byte[reserve]);
            }
            p.packMapHeader(fields);
            p.packString("request_id");
            packUnsigned(p, r.requestId());
            p.packString("status");
            p.packString(r.status().wireName());
            p.packString("codec");
            p.packString(r.codec().id());
            if (payload != null) {
                p.packString("payload");
                p.packBinaryHeader(payload.length);
                p.writePayload(payload);
            }
            if (r.error() != null) {
                p.packString("error");
                p.packString(r.error());
            }
            if (!r.metrics().isEmpty()) {
                p.packString("metrics");
                p.packMapHeader(r.metrics().size());
                for (Map.Entry<String, Object> m : r.metrics().entrySet()) {
                    p.packString(m.getKey());
                    Object v = m.getValue();
                    if (v instanceof Number n) {
                        packUnsigned(p, n.longValue());
                    } else {
                        p.packString(String.valueOf(v));
                    }
                }
            }
            if (r.entry() != null) {
                p.packString("entry");
                p.packString(r.entry());
            }
            if (r.compiled() != null) {
                p.packString("compiled");
                packUnsigned(p, r.compiled());
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory packer failed", e);
        }
    }

    private static void packUnsigned(MessageBufferPacker p, long value) throws IOException {
        if (value >= 0) {
            p.packLong(value);
        } else {
            p.packBigInteger(BigInteger.valueOf(value).add(TWO_64));
        }
    }

    /** Envelope fields as read, before validation. */
    private static final class Fields {
        Long requestId;
        String entry;
        Long timeoutMs;
        String codec;
        byte[] payload;
        String status;
        String error;
        Map<String, Object> metrics;
        Long compiled;

        long idOrZero() {
            return requestId == null ? 0L : requestId;
        }
    }

    private static Fields unpack(byte[] body, boolean request) {
        String what = request ? "request" : "response";
        Fields f = new Fields();
        long end = body.length;
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
            if (!u.hasNext()) {
                throw new ProtocolException("Invalid " + what + ": empty frame");
            }
            if (u.getNextFormat().getValueType() != ValueType.MAP) {
                throw new ProtocolException("Invalid " + what + ": envelope is not a map");
            }
            int n = (int) MsgpackChecks.checkEntries(u.unpackMapHeader(), 2, u, end, "map") / 2;
            for (int i = 0; i < n; i++) {
                if (u.getNextFormat().getValueType() != ValueType.STRING) {
                    throw new ProtocolException("Invalid " + what + ": envelope keys must be strings", f.idOrZero(), null);
                }
                String key = MsgpackChecks.readString(u, end);
                switch (key) {
                    case "request_id" -> f.requestId = unpackUnsigned(u, key, what, f);
                    case "entry" -> f.entry = unpackStringOrNull(u, end, key, what, f);
                    case "timeout_ms" -> f.timeoutMs = unpackUnsigned(u, key, what, f);
                    case "codec" -> f.codec = unpackStringOrNull(u, end, key, what, f);
                    case "payload" -> f.payload = unpackBinary(u, end, what, f);
                    case "status" -> f.status = unpackStringOrNull(u, end, key, what, f);
                    case "error" -> f.error = unpackStringOrNull(u, end, key, what, f);
                    case "metrics" -> f.metrics = unpackMetrics(u, end, what, f);
                    case "compiled" -> f.compiled = u.getNextFormat() == MessageFormat.NIL
                            ? skipNil(u) : unpackUnsigned(u, key, what, f);
                    default -> MsgpackChecks.skipValue(u, end, Payloads.MAX_NESTING_DEPTH);
                }
            }
            if (u.hasNext()) {
                throw new ProtocolException("Invalid " + what + ": trailing bytes after the envelope", f.idOrZero(), null);
            }
            return f;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | MessagePackException | IllegalStateException e) {
            // the message of a library exception may name its classes: the peer gets a description
            throw new ProtocolException("Invalid " + what + ": " + MsgpackChecks.describe(e), f.idOrZero(), e);
        }
    }

    private static Long skipNil(MessageUnpacker u) throws IOException {
        u.unpackNil();
        return null;
    }

    private static long unpackUnsigned(MessageUnpacker u, String key, String what, Fields f) throws IOException {
        MessageFormat format = u.getNextFormat();
        if (format.getValueType() != ValueType.INTEGER) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        if (format == MessageFormat.UINT64) {
            return u.unpackBigInteger().longValue();
        }
        long v = u.unpackLong();
        if (v < 0) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        return v;
    }

    private static String unpackStringOrNull(MessageUnpacker u, long end, String key, String what, Fields f)
            throws IOException {
        MessageFormat format = u.getNextFormat();
        if (format == MessageFormat.NIL) {
            u.unpackNil();
            return null;
        }
        if (format.getValueType() != ValueType.STRING) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be a string", f.idOrZero(), null);
        }
        return MsgpackChecks.readString(u, end);
    }

    private static byte[] unpackBinary(MessageUnpacker u, long end, String what, Fields f) throws IOException {
        MessageFormat format = u.getNextFormat();
        if (format == MessageFormat.NIL) {
            u.unpackNil();
            return null;
        }
        if (format.getValueType() != ValueType.BINARY) {
            throw new ProtocolException("Invalid " + what + ": payload must be bytes (bin)", f.idOrZero(), null);
        }
        int len = u.unpackBinaryHeader();
        if (len < 0 || len > end - u.getTotalReadBytes()) {
            throw new ProtocolException("Invalid " + what + ": payload length exceeds the frame", f.idOrZero(), null);
        }
        return u.readPayload(len);
    }

    private static Map<String, Object> unpackMetrics(MessageUnpacker u, long end, String what, Fields f)
            throws IOException {
        MessageFormat format = u.getNextFormat();
        if (format == MessageFormat.NIL) {
            u.unpackNil();
            return null;
        }
        if (format.getValueType() != ValueType.MAP) {
            throw new ProtocolException("Invalid " + what + ": metrics must be a map", f.idOrZero(), null);
        }
        int n = (int) (MsgpackChecks.checkEntries(u.unpackMapHeader(), 2, u, end, "metrics map") / 2);
        Map<String, Object> metrics = new LinkedHashMap<>(Math.min(n, 64) * 2);
        for (int i = 0; i < n; i++) {
            if (u.getNextFormat().getValueType() != ValueType.STRING) {
                throw new ProtocolException("Invalid " + what + ": metrics keys must be strings", f.idOrZero(), null);
            }
            String key = MsgpackChecks.readString(u, end);
            MessageFormat vf = u.getNextFormat();
            switch (vf.getValueType()) {
                case INTEGER -> metrics.put(key, vf == MessageFormat.UINT64 ? u.unpackBigInteger().longValue() : u.unpackLong());
                case FLOAT -> metrics.put(key, (long) u.unpackDouble());
                case STRING -> metrics.put(key, MsgpackChecks.readString(u, end));
                default -> MsgpackChecks.skipValue(u, end, Payloads.MAX_NESTING_DEPTH);
            }
        }
        return metrics;
    }

    // ---------------------------------------------------------------- JSON

    private static byte[] jsonRequest(RequestEnvelope r, int reserve) {
        ByteArrayBuilder out = new ByteArrayBuilder(reserve + 96 + r.entry().length() * 3 + r.payload().length * 4 / 3);
        try {
            for (int i = 0; i < reserve; i++) {
                out.append(0);
            }
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                writeUnsigned(g, "request_id", r.requestId());
                g.writeStringField("entry", r.entry());
                g.writeNumberField("timeout_ms", r.timeoutMs());
                g.writeStringField("codec", r.codec().id());
                g.writeStringField("payload_b64", Base64.getEncoder().encodeToString(r.payload()));
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory JSON generator failed", e);
        }
    }

    private static byte[] jsonResponse(ResponseEnvelope r, int reserve) {
        int estimate = reserve + 128 + (r.payload() == null ? 0 : r.payload().length * 4 / 3)
                + (r.error() == null ? 0 : r.error().length() * 2) + r.metrics().size() * 24;
        ByteArrayBuilder out = new ByteArrayBuilder(estimate);
        try {
            for (int i = 0; i < reserve; i++) {
                out.append(0);
            }
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                writeUnsigned(g, "request_id", r.requestId());
                g.writeStringField("status", r.status().wireName());
                g.writeStringField("codec", r.codec().id());
                if (r.payload() != null) {
                    g.writeStringField("payload_b64", Base64.getEncoder().encodeToString(r.payload()));
                }
                if (r.error() != null) {
                    g.writeStringField("error", r.error());
                }
                if (!r.metrics().isEmpty()) {
                    g.writeObjectFieldStart("metrics");
                    for (Map.Entry<String, Object> m : r.metrics().entrySet()) {
                        Object v = m.getValue();
                        if (v instanceof Number n) {
                            writeUnsigned(g, m.getKey(), n.longValue());
                        } else {
                            g.writeStringField(m.getKey(), String.valueOf(v));
                        }
                    }
                    g.writeEndObject();
                }
                if (r.entry() != null) {
                    g.writeStringField("entry", r.entry());
                }
                if (r.compiled() != null) {
                    writeUnsigned(g, "compiled", r.compiled());
                }
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory JSON generator failed", e);
        }
    }

    private static void writeUnsigned(JsonGenerator g, String name, long value) throws IOException {
        g.writeFieldName(name);
        if (value >= 0) {
            g.writeNumber(value);
        } else {
            g.writeNumber(BigInteger.valueOf(value).add(TWO_64));
        }
    }

    private static Fields parseJson(byte[] body, boolean request) {
        String what = request ? "request" : "response";
        Fields f = new Fields();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException("Invalid " + what + ": envelope is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                switch (key) {
                    case "request_id" -> f.requestId = jsonUnsigned(p, t, key, what, f);
                    case "entry" -> f.entry = jsonString(p, t, key, what, f);
                    case "timeout_ms" -> f.timeoutMs = jsonUnsigned(p, t, key, what, f);
                    case "codec" -> f.codec = jsonString(p, t, key, what, f);
                    case "payload_b64" -> {
                        String b64 = jsonString(p, t, key, what, f);
                        try {
                            f.payload = b64 == null ? null : Base64.getDecoder().decode(b64);
                        } catch (IllegalArgumentException e) {
                            throw new ProtocolException("Invalid " + what + ": payload_b64 is not valid base64",
                                    f.idOrZero(), null);
                        }
                    }
                    case "status" -> f.status = jsonString(p, t, key, what, f);
                    case "error" -> f.error = jsonString(p, t, key, what, f);
                    case "metrics" -> f.metrics = jsonMetrics(p, t, what, f);
                    case "compiled" -> f.compiled = t == JsonToken.VALUE_NULL ? null : jsonUnsigned(p, t, key, what, f);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ProtocolException("Invalid " + what + ": trailing data after the envelope", f.idOrZero(), null);
            }
            return f;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw new ProtocolException("Invalid " + what + ": malformed JSON (" + SafeMessages.describe(e) + ")",
                    f.idOrZero(), e);
        }
    }

    private static long jsonUnsigned(JsonParser p, JsonToken t, String key, String what, Fields f) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() < 0 || v.bitLength() > 64) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        return v.longValue();
    }

    private static String jsonString(JsonParser p, JsonToken t, String key, String what, Fields f) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be a string", f.idOrZero(), null);
        }
        return p.getText();
    }

    private static Map<String, Object> jsonMetrics(JsonParser p, JsonToken t, String what, Fields f) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new ProtocolException("Invalid " + what + ": metrics must be an object", f.idOrZero(), null);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (v) {
                case VALUE_NUMBER_INT -> metrics.put(key, p.getBigIntegerValue().longValue());
                case VALUE_NUMBER_FLOAT -> metrics.put(key, (long) p.getDoubleValue());
                case VALUE_STRING -> metrics.put(key, p.getText());
                default -> p.skipChildren();
            }
        }
        return metrics;
    }
}
