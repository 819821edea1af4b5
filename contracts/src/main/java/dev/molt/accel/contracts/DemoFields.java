package dev.molt.accel.contracts;

import dev.molt.accel.contracts.Numbers.InvalidNumberException;
import dev.molt.accel.contracts.Numbers.Problem;
import java.util.Collection;
import java.util.Map;

/**
 * The field rules of the demo contract (PROTOCOL.md section 12), for values as a decoder or an HTTP
 * layer hands them over: numbers ({@link Number}), strings, lists, maps, booleans or {@code null}.
 *
 * <ul>
 *   <li>{@code user_id}: required integer (a number without fraction, or a string holding one).
 *   <li>{@code limit}: integer, default {@value #DEFAULT_LIMIT}, clamped to
 *       {@value #MIN_LIMIT}..{@value #MAX_LIMIT}; {@code rows}: integer, default
 *       {@value #DEFAULT_ROWS}, clamped to {@value #MIN_ROWS}..{@value #MAX_ROWS}. Anything that is
 *       not an integer ({@code abc}, {@code 3.5}, a boolean) reads as the default, as the contract
 *       says.
 *   <li>{@code values}: a comma-separated string or a list of numbers (numbers or strings holding
 *       one); {@code scale} (default 1.0) and {@code offset} (default 0.0): numbers. Anything that
 *       is not a number is refused.
 *   <li>{@code q}, {@code status}, {@code cursor}: optional strings.
 * </ul>
 *
 * <p>Whatever the field, number text longer than {@value Numbers#MAX_CHARS} characters, an integer
 * of more than {@value Numbers#MAX_INTEGER_DIGITS} digits and a number that does not fit (a
 * {@code long} for integers, a finite {@code double} otherwise) are refused with an
 * {@link InvalidFieldException}: a default must not hide an attack, and a clamp must not be skipped.
 * Parsing is linear in the input (see {@link Numbers}). Stateless and thread-safe.
 */
public final class DemoFields {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MIN_LIMIT = 1;
    public static final int MAX_LIMIT = 500;
    public static final int DEFAULT_ROWS = 10_000;
    public static final int MIN_ROWS = 1;
    public static final int MAX_ROWS = 50_000;
    public static final double DEFAULT_SCALE = 1.0;
    public static final double DEFAULT_OFFSET = 0.0;

    /** Characters of a refused value quoted in a message at most. */
    static final int QUOTE_CHARS = 40;

    private static final double[] NO_VALUES = new double[0];

    private DemoFields() {
    }

    /**
     * {@code user_id}.
     *
     * @throws InvalidFieldException when absent, not an integer, too long or out of range
     */
    public static long userId(Object raw) {
        return requiredInteger("user_id", raw);
    }

    /**
     * {@code limit}: clamped, the default when absent or not an integer.
     *
     * @throws InvalidFieldException when too long or out of range
     */
    public static int limit(Object raw) {
        return clampedInteger("limit", raw, DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT);
    }

    /**
     * {@code rows}: clamped, the default when absent or not an integer.
     *
     * @throws InvalidFieldException when too long or out of range
     */
    public static int rows(Object raw) {
        return clampedInteger("rows", raw, DEFAULT_ROWS, MIN_ROWS, MAX_ROWS);
    }

    /**
     * {@code scale}: a number, the default when absent or blank.
     *
     * @throws InvalidFieldException when not a finite number, or too long
     */
    public static double scale(Object raw) {
        return numberOr("scale", raw, DEFAULT_SCALE);
    }

    /**
     * {@code offset}: a number, the default when absent or blank.
     *
     * @throws InvalidFieldException when not a finite number, or too long
     */
    public static double offset(Object raw) {
        return numberOr("offset", raw, DEFAULT_OFFSET);
    }

    /**
     * {@code values}: a comma-separated string of numbers (blank: none) or a collection of numbers;
     * {@code null} reads as none.
     *
     * @throws InvalidFieldException naming {@code values[i]} for the first element that is not a
     *     number, or {@code values} when it is neither a string nor a collection
     */
    public static double[] values(Object raw) {
        if (raw == null) {
            return NO_VALUES;
        }
        if (raw instanceof String s) {
            return commaSeparated(s);
        }
        if (raw instanceof Collection<?> items) {
            double[] out = new double[items.size()];
            int i = 0;
            for (Object item : items) {
                if (i == out.length) {
                    break; // a collection growing under us: take what was counted
                }
                out[i] = element(item, i);
                i++;
            }
            return i == out.length ? out : java.util.Arrays.copyOf(out, i);
        }
        throw new InvalidFieldException("values",
                "values must be a comma-separated string or a list of numbers, got " + describe(raw));
    }

    private static double[] commaSeparated(String s) {
        if (s.isBlank()) {
            return NO_VALUES;
        }
        int count = 1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ',') {
                count++;
            }
        }
        double[] out = new double[count];
        int begin = 0;
        for (int i = 0; i < count; i++) {
            int end = s.indexOf(',', begin);
            if (end < 0) {
                end = s.length();
            }
            try {
                out[i] = Numbers.parseDecimal(s, begin, end);
            } catch (InvalidNumberException e) {
                throw notANumber("values[" + i + "]", s.subSequence(begin, Math.min(end, begin + QUOTE_CHARS + 1)),
                        end - begin > QUOTE_CHARS, e.problem());
            }
            begin = end + 1;
        }
        return out;
    }

    private static double element(Object item, int index) {
        try {
            return decimal(item);
        } catch (InvalidNumberException e) {
            // the field's name is built only here: a list of valid numbers costs no string work
            String name = "values[" + index + "]";
            throw e.problem() == Problem.MALFORMED
                    ? new InvalidFieldException(name, name + " is not a number: " + describe(item))
                    : refused(name, e.problem());
        }
    }

    // ------------------------------------------------------------------ generic rules

    /**
     * A required integer field.
     *
     * @throws InvalidFieldException when absent, not an integer, too long or out of range
     */
    public static long requiredInteger(String name, Object raw) {
        if (raw == null) {
            throw new InvalidFieldException(name, name + " is required");
        }
        try {
            return integer(raw);
        } catch (InvalidNumberException e) {
            if (e.problem() == Problem.MALFORMED) {
                throw new InvalidFieldException(name, name + " must be an integer, got " + describe(raw));
            }
            throw refused(name, e.problem());
        }
    }

    /**
     * An optional integer field clamped to {@code min..max}: {@code dflt} when absent or not an
     * integer.
     *
     * @throws InvalidFieldException when the value is too long or out of range
     */
    public static int clampedInteger(String name, Object raw, int dflt, int min, int max) {
        if (raw == null) {
            return dflt;
        }
        long v;
        try {
            v = integer(raw);
        } catch (InvalidNumberException e) {
            if (e.problem() == Problem.MALFORMED) {
                return dflt;
            }
            throw refused(name, e.problem());
        }
        return (int) Math.max(min, Math.min(max, v));
    }

    /**
     * An optional number field: {@code dflt} when absent or a blank string.
     *
     * @throws InvalidFieldException when it is not a finite number, or too long
     */
    public static double numberOr(String name, Object raw, double dflt) {
        if (raw == null || (raw instanceof String s && s.isBlank())) {
            return dflt;
        }
        return number(name, raw);
    }

    /**
     * A required number field: a {@link Number} or a string holding a decimal number.
     *
     * @throws InvalidFieldException when it is anything else, too long or not finite
     */
    public static double number(String name, Object raw) {
        try {
            return decimal(raw);
        } catch (InvalidNumberException e) {
            throw e.problem() == Problem.MALFORMED
                    ? new InvalidFieldException(name, name + " is not a number: " + describe(raw))
                    : refused(name, e.problem());
        }
    }

    /**
     * An optional string field.
     *
     * @throws InvalidFieldException when it holds anything but a string
     */
    public static String optionalString(String name, Object raw) {
        if (raw == null || raw instanceof String) {
            return (String) raw;
        }
        throw new InvalidFieldException(name, name + " must be a string, got " + describe(raw));
    }

    /**
     * The payload as a map with string keys, as decoded; {@code null} reads as an empty map.
     *
     * @throws InvalidFieldException when it is not a map
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> payloadMap(Object payload) {
        if (payload == null) {
            return Map.of();
        }
        if (payload instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new InvalidFieldException("payload", "payload must be a map, got " + describe(payload));
    }

    /**
     * A short description of a value for a message: a string quoted (at most 40 characters), a
     * number as written (the same bound), else its kind ({@code a map}, {@code a list}, ...).
     */
    public static String describe(Object v) {
        if (v instanceof String s) {
            return "'" + Numbers.excerpt(s, QUOTE_CHARS) + "'";
        }
        if (v instanceof Number n) {
            return Numbers.excerpt(String.valueOf(n), QUOTE_CHARS);
        }
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof Iterable) {
            return "a list";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return v == null ? "null" : "a " + v.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ helpers

    private static double decimal(Object raw) {
        if (raw instanceof Number n) {
            return Numbers.toDouble(n);
        }
        if (raw instanceof String s) {
            return Numbers.parseDecimal(s);
        }
        throw new InvalidNumberException(Problem.MALFORMED);
    }

    private static long integer(Object raw) {
        if (raw instanceof Number n) {
            return Numbers.toLong(n);
        }
        if (raw instanceof String s) {
            return Numbers.parseLong(s);
        }
        throw new InvalidNumberException(Problem.MALFORMED);
    }

    private static InvalidFieldException notANumber(String name, CharSequence head, boolean cut, Problem problem) {
        if (problem != Problem.MALFORMED) {
            return refused(name, problem);
        }
        String quoted = cut ? head.subSequence(0, Math.min(head.length(), QUOTE_CHARS)) + "..." : head.toString();
        return new InvalidFieldException(name, name + " is not a number: '" + quoted + "'");
    }

    private static InvalidFieldException refused(String name, Problem problem) {
        return new InvalidFieldException(name, problem == Problem.TOO_LONG
                ? name + " is too long (a number has at most " + Numbers.MAX_CHARS + " characters, an integer at most "
                        + Numbers.MAX_INTEGER_DIGITS + " digits)"
                : name + " is out of range");
    }
}
