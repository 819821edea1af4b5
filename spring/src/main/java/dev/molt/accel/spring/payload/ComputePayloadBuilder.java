package dev.molt.accel.spring.payload;

import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.spring.MoltPayloadValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code compute} payload (PROTOCOL.md section 12): {@code values} (a comma-separated string or a
 * list of numbers; anything that is not a number is a 400), {@code scale} (default 1.0) and
 * {@code offset} (default 0.0). Stateless and thread-safe.
 */
public final class ComputePayloadBuilder implements MoltPayloadBuilder {

    @Override
    public Object build(MoltOffloadContext context) {
        Map<String, Object> payload = new LinkedHashMap<>(4);
        payload.put("values", values(Fields.value(context, "values")));
        payload.put("scale", numberOr(Fields.value(context, "scale"), 1.0, "scale"));
        payload.put("offset", numberOr(Fields.value(context, "offset"), 0.0, "offset"));
        return payload;
    }

    private static List<Double> values(Object raw) {
        List<Double> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        if (raw instanceof String s) {
            if (s.isBlank()) {
                return out;
            }
            String[] parts = s.split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                out.add(number(parts[i], i));
            }
            return out;
        }
        if (raw instanceof Iterable<?> items) {
            int i = 0;
            for (Object item : items) {
                out.add(number(item, i++));
            }
            return out;
        }
        throw new MoltPayloadValidationException("values must be a comma-separated string or a list of numbers, got "
                + Fields.describe(raw));
    }

    private static double number(Object v, int index) {
        Double d = Fields.number(v);
        if (d == null) {
            throw new MoltPayloadValidationException("values[" + index + "] is not a number: "
                    + (v == null ? "null" : Fields.describe(v)));
        }
        return d;
    }

    private static double numberOr(Object v, double dflt, String name) {
        if (v == null || (v instanceof String s && s.isBlank())) {
            return dflt;
        }
        Double d = Fields.number(v);
        if (d == null) {
            throw new MoltPayloadValidationException(name + " is not a number: " + Fields.describe(v));
        }
        return d;
    }
}
