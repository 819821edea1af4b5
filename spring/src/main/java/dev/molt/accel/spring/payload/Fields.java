package dev.molt.accel.spring.payload;

import dev.molt.accel.spring.MoltOffloadContext;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Loose field lookup and number parsing shared by the demo payload builders. */
final class Fields {

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Fields() {
    }

    /**
     * The value of field {@code name}: the argument of that name, else that entry of a {@code Map}
     * argument, else the request parameter (a list when it is repeated); {@code null} when absent.
     */
    static Object value(MoltOffloadContext context, String name) {
        Map<String, Object> args = context.arguments();
        if (args.containsKey(name)) {
            Object v = args.get(name);
            if (v != null) {
                return v;
            }
        }
        for (Object arg : args.values()) {
            if (arg instanceof Map<?, ?> m && m.get(name) != null) {
                return m.get(name);
            }
        }
        List<String> values = context.parameterValues(name);
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : values;
    }

    /** An optional string field; non-strings are refused. */
    static String string(MoltOffloadContext context, String name) {
        Object v = value(context, name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String s) {
            return s;
        }
        throw new dev.molt.accel.spring.MoltPayloadValidationException(name + " must be a string");
    }

    /**
     * An integral value as a long: integer types, integral finite floating-point values and strings of
     * decimal digits; {@code null} for anything else or outside the long range.
     */
    static Long integer(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger b) {
            return b.compareTo(LONG_MIN) >= 0 && b.compareTo(LONG_MAX) <= 0 ? b.longValue() : null;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e18 ? (long) d : null;
        }
        if (v instanceof BigDecimal d) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
        if (v instanceof String s && INTEGER.matcher(s.trim()).matches()) {
            return integer(new BigInteger(s.trim()));
        }
        return null;
    }

    /** A finite number: numeric types or strings holding a decimal number; {@code null} otherwise. */
    static Double number(Object v) {
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String s && DECIMAL.matcher(s.trim()).matches()) {
            d = Double.parseDouble(s.trim());
        } else {
            return null;
        }
        return Double.isFinite(d) ? d : null;
    }

    /** A clamped integer, or {@code dflt} when the value is absent or not an integer. */
    static int clamped(Object raw, int dflt, int min, int max) {
        Long v = integer(raw);
        if (v == null) {
            return dflt;
        }
        return (int) Math.max(min, Math.min(max, v));
    }

    static String describe(Object v) {
        if (v instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof Iterable) {
            return "a list";
        }
        return v instanceof Boolean ? "a boolean" : "a " + v.getClass().getSimpleName();
    }
}
