package dev.molt.accel.client.internal;

import dev.molt.accel.protocol.Codec;
import java.util.Objects;

/**
 * A warm-up call as the engine sends it: the payload already encoded in {@code codec}, sent
 * {@code count} times to every new worker before it takes traffic. Built by
 * {@code MoltClientBuilder.warmup}. Immutable (the payload array is not copied and must not change).
 */
public record WarmupRequest(String entry, Codec codec, byte[] payload, int count) {

    public WarmupRequest {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(payload, "payload");
        if (count < 1) {
            throw new IllegalArgumentException("count < 1: " + count);
        }
    }
}
