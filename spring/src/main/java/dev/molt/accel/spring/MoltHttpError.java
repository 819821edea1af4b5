package dev.molt.accel.spring;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An HTTP error answer of an offloaded endpoint (PROTOCOL.md section 11): status, error code, a
 * detail safe to show, and the {@code Retry-After} seconds when the client should come back.
 * Immutable.
 *
 * @param status HTTP status code
 * @param code error code, such as {@code MoltBusy}
 * @param detail message safe to show to the HTTP client
 * @param retryAfterSeconds value of the {@code Retry-After} header, or {@code null} for none
 */
public record MoltHttpError(int status, String code, String detail, Long retryAfterSeconds) {

    public MoltHttpError {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status outside 100..599: " + status);
        }
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
    }

    /** The body: {@code {"error": "<code>", "detail": "<detail>"}}, compact UTF-8 JSON. */
    public byte[] body() {
        StringBuilder sb = new StringBuilder(32 + code.length() + detail.length());
        sb.append("{\"error\":");
        quote(sb, code);
        sb.append(",\"detail\":");
        quote(sb, detail);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
