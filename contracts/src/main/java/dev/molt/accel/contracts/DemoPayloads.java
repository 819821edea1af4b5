package dev.molt.accel.contracts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The payloads of the demo contract's exports (PROTOCOL.md section 12) built from the fields of an
 * HTTP request, validated and clamped by {@link DemoFields}: what the demo application's payload
 * builders send to the worker, and what its in-process twins compute from.
 *
 * <p>A field is looked up by name ({@link #lookup}): the handler argument of that name, else that
 * entry of a map argument (a JSON body), else the request parameter (a list when it is repeated).
 * A repeated parameter of a string field reads as its first value. Payloads are new
 * {@link LinkedHashMap}s in a fixed key order. Stateless and thread-safe.
 */
public final class DemoPayloads {

    private DemoPayloads() {
    }

    /**
     * {@code {"user_id": long, "q"?, "status"?, "cursor"?: string, "limit": int}}.
     *
     * @throws InvalidFieldException when {@code user_id} is missing or not an integer, a string field
     *     holds something else, or a number is too long or out of range
     */
    public static Map<String, Object> listItems(Function<String, ?> field) {
        long userId = DemoFields.userId(field.apply("user_id"));
        Map<String, Object> payload = new LinkedHashMap<>(8);
        payload.put("user_id", userId);
        putIfPresent(payload, "q", string(field, "q"));
        putIfPresent(payload, "status", string(field, "status"));
        putIfPresent(payload, "cursor", string(field, "cursor"));
        payload.put("limit", DemoFields.limit(field.apply("limit")));
        return payload;
    }

    /**
     * {@code {"values": [double...], "scale": double, "offset": double}}.
     *
     * @throws InvalidFieldException when anything is not a number
     */
    public static Map<String, Object> compute(Function<String, ?> field) {
        double[] values = DemoFields.values(field.apply("values"));
        List<Double> list = new ArrayList<>(values.length);
        for (double v : values) {
            list.add(v);
        }
        Map<String, Object> payload = new LinkedHashMap<>(4);
        payload.put("values", list);
        payload.put("scale", DemoFields.scale(field.apply("scale")));
        payload.put("offset", DemoFields.offset(field.apply("offset")));
        return payload;
    }

    /**
     * {@code {"rows": int}}.
     *
     * @throws InvalidFieldException when {@code rows} is too long or out of range
     */
    public static Map<String, Object> offloadTable(Function<String, ?> field) {
        Map<String, Object> payload = new LinkedHashMap<>(2);
        payload.put("rows", DemoFields.rows(field.apply("rows")));
        return payload;
    }

    /**
     * The field lookup over a handler's named arguments and its request parameters: the non-null
     * argument of that name, else the non-null entry of that name of the first map argument holding
     * one, else the parameter's single value, or its values as a list when it is repeated;
     * {@code null} when absent.
     *
     * @param arguments the handler's arguments by name (kept by reference, read on each lookup)
     * @param parameterValues a request parameter's values, empty when absent
     */
    public static Function<String, Object> lookup(Map<String, ?> arguments,
            Function<String, List<String>> parameterValues) {
        return name -> {
            Object v = arguments.get(name);
            if (v != null) {
                return v;
            }
            for (Object arg : arguments.values()) {
                if (arg instanceof Map<?, ?> m) {
                    Object inner = m.get(name);
                    if (inner != null) {
                        return inner;
                    }
                }
            }
            List<String> values = parameterValues.apply(name);
            if (values == null || values.isEmpty()) {
                return null;
            }
            return values.size() == 1 ? values.get(0) : values;
        };
    }

    private static String string(Function<String, ?> field, String name) {
        Object v = field.apply(name);
        if (v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String first) {
            return first;
        }
        return DemoFields.optionalString(name, v);
    }

    private static void putIfPresent(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
