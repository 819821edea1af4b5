package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;

/**
 * What to answer for a successful call: the result bytes as they came, or a value handled as if the
 * method had returned it.
 */
public sealed interface ResponseDecision {

    /** Write {@code bytes} with {@code contentType}, untouched. */
    record Bytes(byte[] bytes, String contentType) implements ResponseDecision {
    }

    /** Handle {@code value} as the method's return value ({@code null} for an empty body). */
    record Value(Object value) implements ResponseDecision {
    }

    /**
     * Decides for an HTTP answer: the response factory's value; the bytes when the method asks for
     * no decoding ({@code decodeResponse = false}, a {@code void} or {@code byte[]} body) or when a
     * JSON result needs no conversion; else the result converted to the body type.
     *
     * @throws dev.molt.accel.client.MoltProtocolException when the result is in another codec than the
     *     export's {@code codec_out} or does not convert
     */
    static ResponseDecision of(OffloadPlan plan, OffloadContextImpl context, MoltResult result) {
        plan.checkCodec(result);
        if (plan.responseFactory() != null) {
            return new Value(plan.responseFactory().create(result, context));
        }
        Bytes bytes = passThrough(plan, result);
        if (bytes != null) {
            return bytes;
        }
        ReturnShape s = plan.shape();
        Object body = result.as(s.bodyType());
        return new Value(s.responseEntity() ? HttpEntities.ok(body) : body);
    }

    /**
     * The bytes to answer as they came, when {@link #of} would decide so; {@code null} when the answer
     * needs a factory, a conversion or a codec check that fails (those are decided on the ordinary path).
     */
    static Bytes passThrough(OffloadPlan plan, MoltResult result) {
        if (plan.responseFactory() != null || (plan.codecOut() != null && result.codec() != plan.codecOut())) {
            return null;
        }
        ReturnShape s = plan.shape();
        if (!plan.decodeResponse() || s.voidBody() || s.bytesBody()
                || (s.passThroughJson() && result.codec() == Codec.JSON)) {
            return new Bytes(result.bytes(), contentType(result.codec()));
        }
        return null;
    }

    /** The value a direct (non-HTTP) caller of the method gets. */
    static Object directValue(OffloadPlan plan, OffloadContextImpl context, MoltResult result) {
        plan.checkCodec(result);
        if (plan.responseFactory() != null) {
            return plan.responseFactory().create(result, context);
        }
        ReturnShape s = plan.shape();
        if (s.voidBody()) {
            return null;
        }
        Object body = s.bytesBody() ? result.bytes() : result.as(s.bodyType());
        return s.responseEntity() ? HttpEntities.ok(body) : body;
    }

    /** The media type of a payload codec. */
    static String contentType(Codec codec) {
        return switch (codec) {
            case JSON -> "application/json";
            case MSGPACK -> "application/msgpack";
            case ARROW_IPC -> "application/vnd.apache.arrow.stream";
            case RAW -> "application/octet-stream";
        };
    }
}
