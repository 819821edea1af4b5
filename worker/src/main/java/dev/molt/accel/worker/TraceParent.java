package dev.molt.accel.worker;

import java.util.Optional;

/**
 * Reads the trace id out of a W3C {@code traceparent} header, version {@code 00}:
 * {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, lowercase, 55 characters. One pass
 * over at most 55 characters, no regex; anything else (another length or version, upper case, an
 * all-zero id) is treated as absent. Stateless.
 */
final class TraceParent {

    static final String HEADER = "traceparent";
    private static final int LENGTH = 55;

    private TraceParent() {
    }

    /** The 32-hex trace id, or empty when {@code value} is null or not a valid version-00 traceparent. */
    static Optional<String> traceId(String value) {
        if (value == null || value.length() != LENGTH || value.charAt(0) != '0' || value.charAt(1) != '0'
                || value.charAt(2) != '-' || value.charAt(35) != '-' || value.charAt(52) != '-') {
            return Optional.empty();
        }
        if (!hex(value, 3, 35) || !hex(value, 36, 52) || !hex(value, 53, 55)) {
            return Optional.empty();
        }
        return Optional.of(value.substring(3, 35));
    }

    /** The 16-hex parent (span) id, or {@code null} when {@code value} is not a valid version-00 traceparent. */
    static String parentId(String value) {
        return traceId(value).isPresent() ? value.substring(36, 52) : null;
    }

    /** Whether chars {@code from..to} are lowercase hex and not all zero (W3C: an all-zero id is invalid). */
    private static boolean hex(String s, int from, int to) {
        boolean nonZero = to - from == 2; // the flags may be 00
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }
}
