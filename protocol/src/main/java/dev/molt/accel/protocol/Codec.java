package dev.molt.accel.protocol;

/**
 * Codec of a request or response payload (PROTOCOL.md section 3).
 */
public enum Codec {
    /** A MessagePack value; records are maps with string keys. */
    MSGPACK("msgpack"),
    /** Compact UTF-8 JSON. */
    JSON("json"),
    /** Opaque bytes. */
    RAW("raw"),
    /** Opaque bytes holding an Arrow IPC stream. */
    ARROW_IPC("arrow_ipc");

    private static final Codec[] VALUES = values();

    private final String id;

    Codec(String id) {
        this.id = id;
    }

    /** The name carried in the envelope's {@code codec} field. */
    public String id() {
        return id;
    }

    /** Whether payloads of this codec are opaque bytes that no codec interprets. */
    public boolean isOpaque() {
        return this == RAW || this == ARROW_IPC;
    }

    /**
     * Looks up a codec by its wire name (exact match, as on the wire).
     *
     * @return the codec, or {@code null} when the name is not a known codec
     */
    public static Codec lookup(String id) {
        if (id != null) {
            for (Codec c : VALUES) {
                if (c.id.equals(id)) {
                    return c;
                }
            }
        }
        return null;
    }

    /**
     * Parses a codec name.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code id} is unknown
     */
    public static Codec of(String id) {
        Codec c = lookup(id == null ? null : id.trim());
        if (c == null) {
            throw new IllegalArgumentException(
                    "Unknown codec '" + id + "': expected msgpack, json, raw or arrow_ipc");
        }
        return c;
    }

    @Override
    public String toString() {
        return id;
    }
}
