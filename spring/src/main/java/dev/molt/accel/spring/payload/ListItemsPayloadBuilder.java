package dev.molt.accel.spring.payload;

import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.spring.MoltPayloadValidationException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code list_items} payload (PROTOCOL.md section 12): {@code user_id} (required integer, else
 * 400), {@code q}, {@code status}, {@code cursor} (optional strings) and {@code limit} (default 50,
 * clamped to 1..500; a non-integer reads as 50). Stateless and thread-safe.
 */
public final class ListItemsPayloadBuilder implements MoltPayloadBuilder {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MIN_LIMIT = 1;
    public static final int MAX_LIMIT = 500;

    @Override
    public Object build(MoltOffloadContext context) {
        Object rawUser = Fields.value(context, "user_id");
        if (rawUser == null) {
            throw new MoltPayloadValidationException("user_id is required");
        }
        Long userId = Fields.integer(rawUser);
        if (userId == null) {
            throw new MoltPayloadValidationException("user_id must be an integer, got " + Fields.describe(rawUser));
        }
        Map<String, Object> payload = new LinkedHashMap<>(8);
        payload.put("user_id", userId);
        putIfPresent(payload, "q", Fields.string(context, "q"));
        putIfPresent(payload, "status", Fields.string(context, "status"));
        putIfPresent(payload, "cursor", Fields.string(context, "cursor"));
        payload.put("limit", Fields.clamped(Fields.value(context, "limit"), DEFAULT_LIMIT, MIN_LIMIT, MAX_LIMIT));
        return payload;
    }

    private static void putIfPresent(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
