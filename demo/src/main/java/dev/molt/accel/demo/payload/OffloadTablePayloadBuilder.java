package dev.molt.accel.demo.payload;

import dev.molt.accel.contracts.DemoPayloads;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;

/**
 * The {@code offload_table} payload (PROTOCOL.md section 12): {@code rows} (default 10000, clamped to
 * 1..50000; a non-integer reads as 10000). The export takes JSON: use it with {@code codec = "json"}.
 * Fields are read by {@link DemoPayloads#offloadTable}; a number longer than 64 characters or out of range
 * is a 400 too. Stateless and thread-safe.
 */
public final class OffloadTablePayloadBuilder implements MoltPayloadBuilder {

    @Override
    public Object build(MoltOffloadContext context) {
        return RequestFields.build(context, DemoPayloads::offloadTable);
    }
}
