package dev.molt.accel.protocol;

/**
 * Reserved entry names (PROTOCOL.md section 5).
 */
public final class Entries {

    /** Liveness and readiness probe. */
    public static final String PING = "__ping__";

    /** Asks the worker to stop a request in flight. */
    public static final String CANCEL = "__cancel__";

    private Entries() {
    }

    /** Whether {@code name} is reserved, that is, can never be an export. */
    public static boolean isReserved(String name) {
        return name.startsWith("__");
    }
}
