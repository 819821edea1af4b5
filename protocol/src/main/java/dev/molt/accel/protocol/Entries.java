package dev.molt.accel.protocol;

/**
 * Reserved entry names (PROTOCOL.md section 5).
 */
public final class Entries {

    /** Liveness and readiness probe. */
    public static final String PING = "__ping__";

    /** Asks the worker to stop a request in flight. */
    public static final String CANCEL = "__cancel__";

    /**
     * Asks the worker which exports it serves (optional; newer workers only). A worker that does
     * not know it answers {@code InvalidInput} "Unknown entry '__exports__'.": it cannot say.
     */
    public static final String EXPORTS = "__exports__";

    private Entries() {
    }

    /** Whether {@code name} is reserved, that is, can never be an export. */
    public static boolean isReserved(String name) {
        return name.startsWith("__");
    }
}
