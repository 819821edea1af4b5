package dev.molt.accel.protocol;

import java.util.Map;
import org.msgpack.core.MessageFormat;

/**
 * Encodes and decodes request and response envelopes on both wires (PROTOCOL.md sections 2-4).
 *
 * <p>Envelopes are read field by field with msgpack-core's unpacker or Jackson's streaming parser;
 * no data binding, no intermediate tree. Every decoding failure is a {@link ProtocolException}
 * carrying the request id when it was read. Unknown fields are skipped. Stateless and thread-safe.
 */
public final class Envelopes {

    private static final byte[] NO_BYTES = new byte[0];

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
        return wire == Wire.MSGPACK
                ? MsgpackEnvelopes.encodeRequest(request, 0)
                : JsonEnvelopes.encodeRequest(request, 0);
    }

    /** Encodes a request as a complete frame, length prefix included. */
    public static byte[] encodeRequestFrame(Wire wire, RequestEnvelope request, int maxFrameBytes) {
        byte[] frame = wire == Wire.MSGPACK
                ? MsgpackEnvelopes.encodeRequest(request, Frames.HEADER_BYTES)
                : JsonEnvelopes.encodeRequest(request, Frames.HEADER_BYTES);
        return Frames.sealFrame(frame, maxFrameBytes);
    }

    /** Decodes a request body, detecting its wire. */
    public static RequestEnvelope decodeRequest(byte[] body) {
        return decodeRequest(detectWire(body), body);
    }

    /** Decodes a request body on a known wire. */
    public static RequestEnvelope decodeRequest(Wire wire, byte[] body) {
        EnvelopeFields f = wire == Wire.MSGPACK ? MsgpackEnvelopes.unpack(body, true) : JsonEnvelopes.parse(body, true);
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
        return new RequestEnvelope(id, f.entry, f.timeoutMs, codec, f.payload == null ? NO_BYTES : f.payload,
                f.headers == null ? Map.of() : f.headers);
    }

    // ---------------------------------------------------------------- responses

    /** Encodes a response as a frame body. */
    public static byte[] encodeResponse(Wire wire, ResponseEnvelope response) {
        return wire == Wire.MSGPACK
                ? MsgpackEnvelopes.encodeResponse(response, 0)
                : JsonEnvelopes.encodeResponse(response, 0);
    }

    /** Encodes a response as a complete frame, length prefix included. */
    public static byte[] encodeResponseFrame(Wire wire, ResponseEnvelope response, int maxFrameBytes) {
        byte[] frame = wire == Wire.MSGPACK
                ? MsgpackEnvelopes.encodeResponse(response, Frames.HEADER_BYTES)
                : JsonEnvelopes.encodeResponse(response, Frames.HEADER_BYTES);
        return Frames.sealFrame(frame, maxFrameBytes);
    }

    /** Decodes a response body, detecting its wire. */
    public static ResponseEnvelope decodeResponse(byte[] body) {
        return decodeResponse(detectWire(body), body);
    }

    /** Decodes a response body on a known wire. */
    public static ResponseEnvelope decodeResponse(Wire wire, byte[] body) {
        EnvelopeFields f = wire == Wire.MSGPACK
                ? MsgpackEnvelopes.unpack(body, false)
                : JsonEnvelopes.parse(body, false);
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
}
