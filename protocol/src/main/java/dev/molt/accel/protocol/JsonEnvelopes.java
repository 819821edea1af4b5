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

/**
 * The JSON wire of {@link Envelopes}: writes envelopes and parses their fields with Jackson's
 * streaming generator and parser; no data binding, no intermediate tree. Stateless and thread-safe;
 * {@link Envelopes} validates what it returns.
 */
final class JsonEnvelopes {

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
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private JsonEnvelopes() {
    }

    static byte[] encodeRequest(RequestEnvelope r, int reserve) {
        Map<String, String> headers = r.headers();
        int estimate = reserve + 96 + r.entry().length() * 3 + r.payload().length * 4 / 3;
        if (!headers.isEmpty()) {
            estimate += MsgpackEnvelopes.headerEstimate(headers) * 2; // escapes of control characters
        }
        ByteArrayBuilder out = new ByteArrayBuilder(estimate);
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
                if (!headers.isEmpty()) {
                    g.writeObjectFieldStart("headers");
                    for (Map.Entry<String, String> h : headers.entrySet()) {
                        g.writeStringField(h.getKey(), h.getValue());
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("In-memory JSON generator failed", e);
        }
    }

    static byte[] encodeResponse(ResponseEnvelope r, int reserve) {
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

    static EnvelopeFields parse(byte[] body, boolean request) {
        String what = request ? "request" : "response";
        EnvelopeFields f = new EnvelopeFields();
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
                    case "headers" -> {
                        if (request) {
                            f.headers = jsonHeaders(p, t, what, f);
                        } else {
                            p.skipChildren();
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

    private static long jsonUnsigned(JsonParser p, JsonToken t, String key, String what, EnvelopeFields f)
            throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() < 0 || v.bitLength() > 64) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be an unsigned integer", f.idOrZero(), null);
        }
        return v.longValue();
    }

    private static String jsonString(JsonParser p, JsonToken t, String key, String what, EnvelopeFields f)
            throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new ProtocolException("Invalid " + what + ": " + key + " must be a string", f.idOrZero(), null);
        }
        return p.getText();
    }

    /**
     * Reads the {@code headers} object within its limits: the 33rd entry, a name or value that is
     * not a string, or names and values past 8 KiB of UTF-8 end the decoding. A string's length in
     * chars (never more than its UTF-8 bytes) is checked against the budget before it is made.
     */
    private static Map<String, String> jsonHeaders(JsonParser p, JsonToken t, String what, EnvelopeFields f)
            throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new ProtocolException("Invalid " + what + ": headers must be an object of strings",
                    f.idOrZero(), null);
        }
        Map<String, String> headers = null;
        int entries = 0;
        int budget = RequestEnvelope.MAX_HEADER_BYTES;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (++entries > RequestEnvelope.MAX_HEADERS) {
                throw new ProtocolException("Invalid " + what + ": headers has more than "
                        + RequestEnvelope.MAX_HEADERS + " entries", f.idOrZero(), null);
            }
            String name = p.currentName();
            budget -= RequestEnvelope.utf8Length(name);
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new ProtocolException("Invalid " + what + ": headers must be an object of strings",
                        f.idOrZero(), null);
            }
            if (budget < 0 || p.getTextLength() > budget) {
                throw new ProtocolException("Invalid " + what + ": headers exceed " + RequestEnvelope.MAX_HEADER_BYTES
                        + " bytes", f.idOrZero(), null);
            }
            String value = p.getText();
            budget -= RequestEnvelope.utf8Length(value);
            if (budget < 0) {
                throw new ProtocolException("Invalid " + what + ": headers exceed " + RequestEnvelope.MAX_HEADER_BYTES
                        + " bytes", f.idOrZero(), null);
            }
            if (headers == null) {
                headers = new LinkedHashMap<>();
            }
            headers.put(name, value);
        }
        return headers;
    }

    private static Map<String, Object> jsonMetrics(JsonParser p, JsonToken t, String what, EnvelopeFields f)
            throws IOException {
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
