package dev.molt.accel.protocol;

/**
 * Outcome of a request as reported by the worker (PROTOCOL.md section 6).
 */
public enum Status {
    /** The request ran and produced a result. */
    OK("Ok"),
    /** The payload did not decode or failed validation, or the entry is unknown. The request did not run usefully; retrying the same input fails again. */
    INVALID_INPUT("InvalidInput"),
    /** The worker's bounded queue was full; the request was not run, so a retry is always safe. */
    BUSY("Busy"),
    /** The worker-side deadline passed during execution; the request may have had effects. */
    TIMEOUT("Timeout"),
    /** A {@code __cancel__} arrived before the request finished; it may have had effects. */
    CANCELLED("Cancelled"),
    /** The handler failed, or the entry has no implementation. */
    INTERNAL_ERROR("InternalError");

    private static final Status[] VALUES = values();

    private final String wireName;

    Status(String wireName) {
        this.wireName = wireName;
    }

    /** The name carried in the response's {@code status} field. */
    public String wireName() {
        return wireName;
    }

    /**
     * Looks up a status by its wire name.
     *
     * @return the status, or {@code null} when the name is unknown
     */
    public static Status lookup(String wireName) {
        for (Status s : VALUES) {
            if (s.wireName.equals(wireName)) {
                return s;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
