package dev.molt.accel.protocol;

import java.util.Locale;

/**
 * How an envelope is encoded inside a frame body (PROTOCOL.md section 2).
 */
public enum Wire {
    /** A MessagePack map; byte fields use the {@code bin} family. */
    MSGPACK("msgpack"),
    /** A UTF-8 JSON object; the payload travels as {@code payload_b64}. */
    JSON("json");

    private final String id;

    Wire(String id) {
        this.id = id;
    }

    /** The name used in configuration and environment variables. */
    public String id() {
        return id;
    }

    /**
     * Parses a wire name, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is unknown
     */
    public static Wire of(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (Wire w : values()) {
                if (w.id.equals(n)) {
                    return w;
                }
            }
        }
        throw new IllegalArgumentException("Unknown wire '" + name + "': expected msgpack or json");
    }

    @Override
    public String toString() {
        return id;
    }
}
