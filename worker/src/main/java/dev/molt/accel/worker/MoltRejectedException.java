package dev.molt.accel.worker;

/**
 * Rejects a request with a message that is safe to show to the end user, for example
 * {@code throw new MoltRejectedException("quantity must be positive")} or
 * {@code throw ctx.reject("...")}. The worker answers {@code InvalidInput} and marks the message
 * ({@link dev.molt.accel.protocol.SafeErrors}): the Spring starter shows it as the {@code detail} of
 * its HTTP 400 without {@code molt.accel.expose-details}, while every other worker message stays
 * hidden. Write it for the caller: no internal names, no stack traces, no secrets. It is cut to
 * {@value dev.molt.accel.protocol.SafeErrors#MAX_CHARS} characters and control characters become
 * spaces.
 *
 * <p>Any other exception keeps its message private: {@link IllegalArgumentException} answers
 * {@code InvalidInput} with a message only {@code expose-details} shows. Unchecked, without a stack
 * trace (it is a validation result, not a fault). Immutable.
 */
public final class MoltRejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message the message shown to the end user */
    public MoltRejectedException(String message) {
        super(message == null ? "" : message, null, false, false);
    }
}
