package dev.molt.accel.contracts;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A linear, capped scanner for the numbers a request carries as text, and range checks for numbers
 * a decoder already produced.
 *
 * <p>Text is attacker-controlled: every method looks at each character at most a constant number of
 * times, refuses text longer than {@value #MAX_CHARS} characters (after surrounding whitespace)
 * before parsing it, and never hands unbounded text to a regular expression, {@link BigInteger} or
 * {@link BigDecimal}. A 1 MB string is refused after one pass over its ends.
 *
 * <p>The decimal grammar: an optional sign, then digits with an optional point and optional fraction
 * digits ({@code 1}, {@code 1.}, {@code 1.5}) or a point and digits ({@code .5}), then an optional
 * exponent ({@code e} or {@code E}, an optional sign, digits). ASCII digits only; no {@code NaN},
 * {@code Infinity}, hexadecimal, underscores or type suffixes; the value must be finite. An integer
 * is an optional sign and at most {@value #MAX_INTEGER_DIGITS} digits (leading zeros not counted)
 * within the {@code long} range. Surrounding whitespace (characters up to U+0020, as
 * {@link String#trim()}) is ignored.
 *
 * <p>Stateless and thread-safe.
 */
public final class Numbers {

    /** The longest number text accepted, surrounding whitespace excluded. */
    public static final int MAX_CHARS = 64;
    /** The most significant digits of an integer (a {@code long} has 19). */
    public static final int MAX_INTEGER_DIGITS = 19;

    private static final int MAX_DOUBLE_EXPONENT10 = 400;

    private Numbers() {
    }

    /**
     * Parses a finite decimal number.
     *
     * @throws InvalidNumberException {@link Problem#TOO_LONG} beyond {@value #MAX_CHARS} characters,
     *     {@link Problem#OUT_OF_RANGE} when it overflows a {@code double}, else
     *     {@link Problem#MALFORMED} when it does not follow the grammar
     */
    public static double parseDecimal(CharSequence text) {
        return parseDecimal(text, 0, text.length());
    }

    /**
     * {@link #parseDecimal(CharSequence)} of the characters {@code begin} (inclusive) to {@code end}
     * (exclusive), without copying more than {@value #MAX_CHARS} of them.
     *
     * @throws IndexOutOfBoundsException when the range is not within {@code text}
     */
    public static double parseDecimal(CharSequence text, int begin, int end) {
        java.util.Objects.checkFromToIndex(begin, end, text.length());
        int from = start(text, begin, end);
        int to = end(text, from, end);
        checkLength(from, to);
        int i = from;
        if (i < to && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        int intDigits = 0;
        while (i < to && isDigit(text.charAt(i))) {
            i++;
            intDigits++;
        }
        int fracDigits = 0;
        if (i < to && text.charAt(i) == '.') {
            i++;
            while (i < to && isDigit(text.charAt(i))) {
                i++;
                fracDigits++;
            }
        }
        if (intDigits == 0 && fracDigits == 0) {
            throw new InvalidNumberException(Problem.MALFORMED);
        }
        if (i < to && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < to && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < to && isDigit(text.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                throw new InvalidNumberException(Problem.MALFORMED);
            }
        }
        if (i != to) {
            throw new InvalidNumberException(Problem.MALFORMED);
        }
        // at most MAX_CHARS characters of a grammar Double.parseDouble accepts as it stands
        double d = Double.parseDouble(text.subSequence(from, to).toString());
        if (!Double.isFinite(d)) {
            throw new InvalidNumberException(Problem.OUT_OF_RANGE);
        }
        return d;
    }

    /**
     * Parses an integer into a {@code long}.
     *
     * @throws InvalidNumberException {@link Problem#TOO_LONG} beyond {@value #MAX_CHARS} characters or
     *     {@value #MAX_INTEGER_DIGITS} significant digits, {@link Problem#OUT_OF_RANGE} outside the
     *     {@code long} range, else {@link Problem#MALFORMED} when it is not an optional sign and digits
     */
    public static long parseLong(CharSequence text) {
        int from = start(text, 0, text.length());
        int to = end(text, from, text.length());
        checkLength(from, to);
        int i = from;
        boolean negative = false;
        if (i < to && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        if (i == to) {
            throw new InvalidNumberException(Problem.MALFORMED);
        }
        for (int j = i; j < to; j++) {
            if (!isDigit(text.charAt(j))) {
                throw new InvalidNumberException(Problem.MALFORMED);
            }
        }
        while (i < to - 1 && text.charAt(i) == '0') {
            i++;
        }
        if (to - i > MAX_INTEGER_DIGITS) {
            throw new InvalidNumberException(Problem.TOO_LONG);
        }
        // accumulated negatively: Long.MIN_VALUE has no positive counterpart
        long acc = 0;
        for (; i < to; i++) {
            int digit = text.charAt(i) - '0';
            if (acc < (Long.MIN_VALUE + digit) / 10) {
                throw new InvalidNumberException(Problem.OUT_OF_RANGE);
            }
            acc = acc * 10 - digit;
        }
        if (!negative) {
            if (acc == Long.MIN_VALUE) {
                throw new InvalidNumberException(Problem.OUT_OF_RANGE);
            }
            acc = -acc;
        }
        return acc;
    }

    /**
     * A decoded number as a {@code double}: any {@link Number} whose value is finite.
     * {@link BigDecimal} and {@link BigInteger} values are range-checked on their size before they
     * are converted.
     *
     * @throws InvalidNumberException {@link Problem#OUT_OF_RANGE} when the value is not finite or
     *     too large for a {@code double}
     */
    public static double toDouble(Number n) {
        double d;
        if (n instanceof BigDecimal b) {
            // digits before the point: precision - scale; a double ends near 10^308
            if ((long) b.precision() - b.scale() > MAX_DOUBLE_EXPONENT10) {
                throw new InvalidNumberException(Problem.OUT_OF_RANGE);
            }
            d = (long) b.scale() - b.precision() > MAX_DOUBLE_EXPONENT10 ? 0.0 * b.signum() : b.doubleValue();
        } else if (n instanceof BigInteger b) {
            if (b.bitLength() > 1024) {
                throw new InvalidNumberException(Problem.OUT_OF_RANGE);
            }
            d = b.doubleValue();
        } else {
            d = n.doubleValue();
        }
        if (!Double.isFinite(d)) {
            throw new InvalidNumberException(Problem.OUT_OF_RANGE);
        }
        return d;
    }

    /**
     * A decoded number as a {@code long}: integer types, and integral values of the floating-point
     * and big types.
     *
     * @throws InvalidNumberException {@link Problem#MALFORMED} for a value with a fraction (or not
     *     finite), {@link Problem#OUT_OF_RANGE} for an integral value outside the {@code long} range
     */
    public static long toLong(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof BigInteger b) {
            if (b.bitLength() > 63) {
                throw new InvalidNumberException(Problem.OUT_OF_RANGE);
            }
            return b.longValue();
        }
        if (n instanceof BigDecimal b) {
            return bigDecimalToLong(b);
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d) || d != Math.rint(d)) {
            throw new InvalidNumberException(Problem.MALFORMED);
        }
        // 2^63 is exactly representable; anything at or beyond it does not fit
        if (d >= 0x1p63 || d < -0x1p63) {
            throw new InvalidNumberException(Problem.OUT_OF_RANGE);
        }
        return (long) d;
    }

    private static long bigDecimalToLong(BigDecimal b) {
        if (b.signum() == 0) {
            return 0;
        }
        long integerDigits = (long) b.precision() - b.scale();
        if (integerDigits > MAX_INTEGER_DIGITS) {
            // a fraction cannot bring it back into range: too large either way
            throw new InvalidNumberException(Problem.OUT_OF_RANGE);
        }
        if (integerDigits <= 0) {
            throw new InvalidNumberException(Problem.MALFORMED); // |b| < 1 and not zero
        }
        // the value is below 10^19 now; the work left grows with the precision, which a decoder's
        // number-length limit bounds
        try {
            return b.longValueExact();
        } catch (ArithmeticException e) {
            BigDecimal whole = b.setScale(0, java.math.RoundingMode.DOWN);
            throw new InvalidNumberException(whole.compareTo(b) != 0 ? Problem.MALFORMED : Problem.OUT_OF_RANGE);
        }
    }

    /**
     * At most {@code max} characters of {@code text} for a message, with {@code ...} when cut; never
     * copies more than that.
     */
    public static String excerpt(CharSequence text, int max) {
        if (text.length() <= max) {
            return text.toString();
        }
        return text.subSequence(0, max) + "...";
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int start(CharSequence text, int begin, int end) {
        int i = begin;
        while (i < end && text.charAt(i) <= ' ') {
            i++;
        }
        return i;
    }

    private static int end(CharSequence text, int from, int end) {
        int to = end;
        while (to > from && text.charAt(to - 1) <= ' ') {
            to--;
        }
        return to;
    }

    private static void checkLength(int from, int to) {
        if (to - from > MAX_CHARS) {
            throw new InvalidNumberException(Problem.TOO_LONG);
        }
    }

    /** Why a number was refused. */
    public enum Problem {
        /** Not a number of the expected form ({@code abc}, {@code 1.5} as an integer, {@code NaN}). */
        MALFORMED,
        /** Longer than {@value Numbers#MAX_CHARS} characters, or more digits than an integer may have. */
        TOO_LONG,
        /** A number of the right form whose value does not fit ({@code long} or finite {@code double}). */
        OUT_OF_RANGE
    }

    /**
     * A number was refused; {@link #problem()} says why. Carries no input text and no stack trace (it
     * is an expected answer to bad input, thrown once per bad field). Immutable.
     */
    public static final class InvalidNumberException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final Problem problem;

        InvalidNumberException(Problem problem) {
            super(problem.name());
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
