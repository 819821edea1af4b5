package dev.molt.accel.worker;

import dev.molt.accel.protocol.Status;
import java.io.PrintStream;
import java.util.Map;

/**
 * The request log of {@code --request-log json}: one JSON object per answered request on one line
 * of stderr, {@code {"molt_request":1,"request_id":..,"entry":..,"status":..,"queue_us":..,
 * "exec_us":..,"trace_id":..,"parent_id":..}} ({@code trace_id} and {@code parent_id} from a valid
 * W3C {@code traceparent}, else {@code null}). Each line is built whole and written with one
 * {@code print}, so lines of concurrent requests never interleave. Bounded: the entry name is cut at
 * {@value #MAX_ENTRY_CHARS} characters and escaped (quotes, backslashes, control characters, line
 * separators, lone surrogates), every other value is a number or validated hex, so a line stays
 * under 400 bytes whatever a client sends. Thread-safe; off costs the worker one null check per
 * request.
 */
final class RequestLog {

    static final int MAX_ENTRY_CHARS = 128;

    private final PrintStream out;

    RequestLog(PrintStream out) {
        this.out = out;
    }

    void answered(long requestId, String entry, Status status, long queueUs, long execUs, Map<String, String> headers) {
        out.print(line(requestId, entry, status, queueUs, execUs, headers.get(TraceParent.HEADER)));
    }

    static String line(long requestId, String entry, Status status, long queueUs, long execUs, String traceparent) {
        StringBuilder b = new StringBuilder(160 + Math.min(entry.length(), MAX_ENTRY_CHARS));
        b.append("{\"molt_request\":1,\"request_id\":").append(Long.toUnsignedString(requestId));
        b.append(",\"entry\":");
        string(b, entry);
        b.append(",\"status\":\"").append(status.wireName()).append('"');
        b.append(",\"queue_us\":").append(queueUs).append(",\"exec_us\":").append(execUs);
        String traceId = TraceParent.traceId(traceparent).orElse(null);
        b.append(",\"trace_id\":");
        if (traceId == null) {
            b.append("null,\"parent_id\":null");
        } else {
            b.append('"').append(traceId).append("\",\"parent_id\":\"").append(TraceParent.parentId(traceparent))
                    .append('"');
        }
        return b.append('}').append(System.lineSeparator()).toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        int n = Math.min(s.length(), MAX_ENTRY_CHARS);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        b.append("\\ufffd"); // a lone half of a pair, or one cut by the length cap
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (s.length() > MAX_ENTRY_CHARS) {
            b.append("...");
        }
        b.append('"');
    }
}
