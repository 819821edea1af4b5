package dev.molt.accel.worker.demo;

import java.util.Map;

/**
 * The parameters of the demo list endpoint (PROTOCOL.md section 12). Immutable; {@code limit} is
 * clamped to {@value #MIN_LIMIT}..{@value #MAX_LIMIT} on construction.
 *
 * @param userId the user (required)
 * @param q optional search text, may be {@code null}
 * @param status optional status filter, may be {@code null}
 * @param cursor optional paging cursor, may be {@code null}
 * @param limit number of items, clamped to 1..500
 */
public record ListItemsQuery(long userId, String q, String status, String cursor, int limit) {

    /** Limit used when none, or a non-integer, is given. */
    public static final int DEFAULT_LIMIT = 50;
    public static final int MIN_LIMIT = 1;
    public static final int MAX_LIMIT = 500;

    public ListItemsQuery {
        limit = Math.max(MIN_LIMIT, Math.min(MAX_LIMIT, limit));
    }

    /**
     * Reads a loosely typed payload: {@code user_id} (required integer), {@code q}, {@code status},
     * {@code cursor} (optional strings) and {@code limit} (see {@link #limitOf(Object)}).
     *
     * @param payload a {@code Map} with string keys, as decoded from msgpack or JSON
     * @throws IllegalArgumentException when {@code user_id} is missing or not an integer, a string
     *     field holds something else, or the payload is not a map
     */
    public static ListItemsQuery fromPayload(Object payload) {
        Map<String, Object> m = Values.asMap(payload);
        return of(m.get("user_id"), Values.optionalString(m, "q"), Values.optionalString(m, "status"),
                Values.optionalString(m, "cursor"), m.get("limit"));
    }

    /**
     * Builds a query from raw parameter values as an HTTP layer receives them (strings or numbers).
     *
     * @throws IllegalArgumentException when {@code userId} is missing or not an integer
     */
    public static ListItemsQuery of(Object userId, String q, String status, String cursor, Object limit) {
        if (userId == null) {
            throw new IllegalArgumentException("user_id is required");
        }
        Long id = Values.integer(userId);
        if (id == null) {
            throw new IllegalArgumentException("user_id must be an integer, got " + describe(userId));
        }
        return new ListItemsQuery(id, q, status, cursor, limitOf(limit));
    }

    /**
     * The effective limit for a raw value: an integer (or a string holding one) clamped to 1..500;
     * {@value #DEFAULT_LIMIT} when absent or not an integer (for example {@code "abc"} or 3.5).
     */
    public static int limitOf(Object raw) {
        Long v = Values.integer(raw);
        if (v == null) {
            return DEFAULT_LIMIT;
        }
        return (int) Math.max(MIN_LIMIT, Math.min(MAX_LIMIT, v));
    }

    private static String describe(Object v) {
        return v instanceof String s ? "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'" : Values.typeName(v);
    }
}
