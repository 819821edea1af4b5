package dev.molt.accel.contracts;

/**
 * A request field broke the demo contract: missing, of the wrong type, not a number, too long or out
 * of range. The message names the field and quotes at most 40 characters of what was sent; it is
 * meant for the caller (an HTTP 400 detail, a worker's {@code InvalidInput} error). A worker maps it
 * like any {@link IllegalArgumentException}. Immutable.
 */
public final class InvalidFieldException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The name of the field, for example {@code user_id} or {@code values[3]}. */
    public String field() {
        return field;
    }
}
