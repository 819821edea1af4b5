package dev.molt.accel.protocol;

/**
 * Rejection messages that an export marked as safe to show to the end user (for example "quantity
 * must be positive"). PROTOCOL.md defines no flag for this, so the mark travels in the response's
 * {@code error} string itself, the only place the protocol gives a message: an {@code InvalidInput}
 * error that begins with {@value #MARKER} carries a safe message, the text after the marker. A
 * client or worker that does not know the convention sees an ordinary message.
 *
 * <p>Both ends sanitize: the worker when it marks, the client when it reads (the worker is a peer,
 * not trusted): at most {@value #MAX_CHARS} characters, control and invisible formatting
 * characters (bidi overrides, zero-width marks) replaced by a space, "..." when cut. One pass over
 * at most {@value #MAX_CHARS} characters, whatever the input's length. Stateless.
 */
public final class SafeErrors {

    /** The prefix of a safe message in a response's {@code error}. */
    public static final String MARKER = "[safe] ";

    /** Longest safe message kept, in characters. */
    public static final int MAX_CHARS = 200;

    private SafeErrors() {
    }

    /** {@code message} sanitized and marked, for a response's {@code error}. */
    public static String mark(String message) {
        return MARKER + sanitize(message == null ? "" : message);
    }

    /** Whether {@code error} carries the mark. */
    public static boolean isMarked(String error) {
        return error != null && error.startsWith(MARKER);
    }

    /**
     * The safe message of a response's {@code error}, sanitized, or {@code null} when the error is
     * not marked (or the message after the mark is blank).
     */
    public static String safeMessage(String error) {
        if (!isMarked(error)) {
            return null;
        }
        String m = sanitize(error.substring(MARKER.length(), Math.min(error.length(), MARKER.length() + MAX_CHARS + 1)));
        return m.isBlank() ? null : m;
    }

    /**
     * {@code error} without a mark it should not carry: a message that merely begins like a marked
     * one (say, an exception message that quotes the caller's input) loses the marker.
     */
    public static String unmarked(String error) {
        return isMarked(error) ? error.substring(MARKER.length()) : error;
    }

    /** At most {@value #MAX_CHARS} characters of {@code s}, controls and format characters as spaces. */
    static String sanitize(String s) {
        int n = Math.min(s.length(), MAX_CHARS);
        StringBuilder sb = new StringBuilder(n + 3);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                sb.append(' ');
            } else if (Character.isSurrogate(c)) {
                // keep a well-formed pair, drop a lone half
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    sb.append(c).append(s.charAt(++i));
                } else {
                    sb.append(' ');
                }
            } else {
                sb.append(c);
            }
        }
        if (s.length() > MAX_CHARS) {
            sb.append("...");
        }
        return sb.toString().strip();
    }
}
