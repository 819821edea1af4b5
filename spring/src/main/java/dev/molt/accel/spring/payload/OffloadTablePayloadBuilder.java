package dev.molt.accel.spring.payload;

import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import java.util.Map;

/**
 * The {@code offload_table} payload (PROTOCOL.md section 12): {@code rows} (default 10000, clamped to
 * 1..50000; a non-integer reads as 10000). The export takes JSON: use it with {@code codec = "json"}.
 * Stateless and thread-safe.
 */
public final class OffloadTablePayloadBuilder implements MoltPayloadBuilder {

    public static final int DEFAULT_ROWS = 10_000;
    public static final int MAX_ROWS = 50_000;

    @Override
    public Object build(MoltOffloadContext context) {
        return Map.of("rows", Fields.clamped(Fields.value(context, "rows"), DEFAULT_ROWS, 1, MAX_ROWS));
    }
}
