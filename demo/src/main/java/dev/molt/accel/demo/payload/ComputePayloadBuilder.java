package dev.molt.accel.demo.payload;

import dev.molt.accel.contracts.DemoPayloads;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;

/**
 * The {@code compute} payload (PROTOCOL.md section 12): {@code values} (a comma-separated string or a
 * list of numbers; anything that is not a number is a 400), {@code scale} (default 1.0) and
 * {@code offset} (default 0.0).
 * Fields are read by {@link DemoPayloads#compute}; a number longer than 64 characters or out of range
 * is a 400 too. Stateless and thread-safe.
 */
public final class ComputePayloadBuilder implements MoltPayloadBuilder {

    @Override
    public Object build(MoltOffloadContext context) {
        return RequestFields.build(context, DemoPayloads::compute);
    }
}
