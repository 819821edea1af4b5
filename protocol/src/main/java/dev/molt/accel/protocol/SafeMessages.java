package dev.molt.accel.protocol;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.List;

/**
 * Turns decoding failures into messages that may be sent to the peer that caused them: short,
 * printable, without class names of the receiving side (Jackson names the target type in its
 * binding errors), stack traces or more than a short prefix of the input. Stateless.
 */
final class SafeMessages {

    /** Longest message taken over from a parser. */
    static final int MAX_DETAIL = 120;
    private static final int MAX_NAME = 40;
    private static final int MAX_PATH = 8;

    private SafeMessages() {
    }

    /** Describes a Jackson failure while reading {@code what} (for example "json payload"). */
    static String describe(Exception e) {
        if (e instanceof StreamConstraintsException c) {
            // its own message names Jackson's configuration methods: say which limit, in our words
            String m = String.valueOf(c.getOriginalMessage());
            if (m.startsWith("Number")) {
                return "a number longer than allowed";
            }
            if (m.contains("nesting depth")) {
                return "nesting too deep";
            }
            return "a string or name longer than allowed";
        }
        if (e instanceof DatabindException d) {
            return "does not fit the expected type" + path(d);
        }
        if (e instanceof JsonProcessingException j) {
            String m = j.getOriginalMessage();
            JsonLocation loc = j.getLocation();
            String at = loc != null && loc.getLineNr() > 0
                    ? " at line " + loc.getLineNr() + ", column " + loc.getColumnNr() : "";
            return m == null ? "malformed input" + at : escape(m, MAX_DETAIL) + at;
        }
        return "malformed input";
    }

    private static String path(DatabindException d) {
        if (!(d instanceof JsonMappingException m)) {
            return "";
        }
        List<JsonMappingException.Reference> refs = m.getPath();
        if (refs.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" at $");
        int shown = 0;
        for (JsonMappingException.Reference r : refs) {
            if (shown++ == MAX_PATH) {
                sb.append("...");
                break;
            }
            if (r.getFieldName() != null) {
                sb.append('.').append(escape(r.getFieldName(), MAX_NAME));
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * At most {@code max} characters of {@code s}, control and non-ASCII characters escaped as
     * {@code \\uXXXX}, and "..." when cut.
     */
    static String escape(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 8);
        int n = Math.min(s.length(), max);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > max) {
            sb.append("...");
        }
        return sb.toString();
    }
}
