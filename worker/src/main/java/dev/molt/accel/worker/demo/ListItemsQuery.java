package dev.molt.accel.worker.demo;

import dev.molt.accel.contracts.DemoFields;
import java.util.Map;

/**
 * The parameters of the demo list endpoint (PROTOCOL.md section 12), read with the contract's field
 * rules ({@link DemoFields}). Immutable; {@code limit} is clamped to
 * {@value #MIN_LIMIT}..{@value #MAX_LIMIT} on construction.
 *
 * @param userId the user (required)
 * @param q optional search text, may be {@code null}
 * @param status optional status filter, may be {@code null}
 * @param cursor optional paging cursor, may be {@code null}
 * @param limit number of items, clamped to 1..500
 */
public record ListItemsQuery(long userId, String q, String status, String cursor, int limit) {

    /** Limit used when none, or a non-integer, is given. */
    public static final int DEFAULT_LIMIT = DemoFields.DEFAULT_LIMIT;
    public static final int MIN_LIMIT = DemoFields.MIN_LIMIT;
    public static final int MAX_LIMIT = DemoFields.MAX_LIMIT;

    public ListItemsQuery {
        limit = Math.max(MIN_LIMIT, Math.min(MAX_LIMIT, limit));
    }

    /**
     * Reads a loosely typed payload: {@code user_id} (required integer), {@code q}, {@code status},
     * {@code cursor} (optional strings) and {@code limit} (see {@link #limitOf(Object)}).
     *
     * @param payload a {@code Map} with string keys, as decoded from msgpack or JSON
     * @throws IllegalArgumentException ({@link dev.molt.accel.contracts.InvalidFieldException}) when
     *     {@code user_id} is missing or not an integer, a string field holds something else, a number
     *     is too long or out of range, or the payload is not a map
     */
    public static ListItemsQuery fromPayload(Object payload) {
        Map<String, Object> m = DemoFields.payloadMap(payload);
        return of(m.get("user_id"), DemoFields.optionalString("q", m.get("q")),
                DemoFields.optionalString("status", m.get("status")),
                DemoFields.optionalString("cursor", m.get("cursor")), m.get("limit"));
    }

    /**
     * Builds a query from raw parameter values as an HTTP layer receives them (strings or numbers).
     *
     * @throws IllegalArgumentException when {@code userId} is missing or not an integer, or a number
     *     is too long or out of range
     */
    public static ListItemsQuery of(Object userId, String q, String status, String cursor, Object limit) {
        return new ListItemsQuery(DemoFields.userId(userId), q, status, cursor, limitOf(limit));
    }

    /**
     * The effective limit for a raw value: an integer (or a string holding one) clamped to 1..500;
     * {@value #DEFAULT_LIMIT} when absent or not an integer (for example {@code "abc"} or 3.5).
     *
     * @throws IllegalArgumentException when the value is too long or out of range
     */
    public static int limitOf(Object raw) {
        return DemoFields.limit(raw);
    }
}
