package dev.molt.accel.worker.demo;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Pattern;

/** Loose conversions of decoded payload values (maps, numbers, strings) for the demo contract. */
final class Values {

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Values() {
    }

    /** The payload as a map with string keys; {@code null} reads as an empty map. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object payload) {
        if (payload == null) {
            return Map.of();
        }
        if (payload instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("payload must be a map, got " + typeName(payload));
    }

    /**
     * An integral value as a long: integer types, integral finite floating-point values, and strings
     * of decimal digits; {@code null} for anything else or out of the long range.
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
            if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e18) {
                return (long) d;
            }
            return null;
        }
        if (v instanceof BigDecimal d) {
            try {
                return d.longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
        if (v instanceof String s) {
            String t = s.trim();
            if (INTEGER.matcher(t).matches()) {
                return integer(new BigInteger(t));
            }
        }
        return null;
    }

    /** A finite number: numeric types or strings holding a decimal number; {@code null} otherwise. */
    static Double number(Object v) {
        double d;
        if (v instanceof Number n && !(v instanceof BigDecimal)) {
            d = n.doubleValue();
        } else if (v instanceof BigDecimal b) {
            d = b.doubleValue();
        } else if (v instanceof String s && DECIMAL.matcher(s.trim()).matches()) {
            d = Double.parseDouble(s.trim());
        } else {
            return null;
        }
        return Double.isFinite(d) ? d : null;
    }

    /** An optional string; anything but a string or {@code null} is rejected. */
    static String optionalString(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new IllegalArgumentException(key + " must be a string, got " + typeName(v));
    }

    static String typeName(Object v) {
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof Iterable) {
            return "a list";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Number) {
            return "a number";
        }
        return v == null ? "null" : v.getClass().getSimpleName();
    }
}
