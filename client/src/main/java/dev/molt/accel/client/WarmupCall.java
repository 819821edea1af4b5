package dev.molt.accel.client;

import dev.molt.accel.protocol.Codec;
import java.util.Objects;

/**
 * A call every new worker must answer before it takes traffic ({@link MoltClientBuilder#warmup}),
 * so that a JVM worker's first real call is not its first decode. Any answer counts, an error
 * status included; only a worker that dies or breaks the protocol meanwhile fails its start.
 *
 * @param entry the export to call
 * @param codec the payload's codec
 * @param payload a value to encode with {@code codec}, or a {@code byte[]} already in it; encoded
 *     once, when the builder takes the call
 * @param count how many times each new worker is sent it, one after the other (at least 1)
 */
public record WarmupCall(String entry, Codec codec, Object payload, int count) {

    public WarmupCall {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(payload, "payload");
        if (entry.isBlank()) {
            throw new IllegalArgumentException("entry is blank");
        }
        if (count < 1) {
            throw new IllegalArgumentException("count < 1: " + count);
        }
    }

    /** A call sent once to every new worker. */
    public static WarmupCall of(String entry, Codec codec, Object payload) {
        return new WarmupCall(entry, codec, payload, 1);
    }
}
