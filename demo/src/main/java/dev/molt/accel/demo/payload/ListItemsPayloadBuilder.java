package dev.molt.accel.demo.payload;

import dev.molt.accel.contracts.DemoPayloads;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;

/**
 * The {@code list_items} payload (PROTOCOL.md section 12): {@code user_id} (required integer, else
 * 400), {@code q}, {@code status}, {@code cursor} (optional strings) and {@code limit} (default 50,
 * clamped to 1..500; a non-integer reads as 50).
 * Fields are read by {@link DemoPayloads#listItems}; a number longer than 64 characters or out of range
 * is a 400 too. Stateless and thread-safe.
 */
public final class ListItemsPayloadBuilder implements MoltPayloadBuilder {

    @Override
    public Object build(MoltOffloadContext context) {
        return RequestFields.build(context, DemoPayloads::listItems);
    }
}
