package dev.molt.accel.worker;

/**
 * Thrown by {@link MoltContext#throwIfCancelled()} when the request was cancelled or its deadline
 * passed. A handler may let it propagate (the worker has already answered the request, or answers
 * it {@code Cancelled} / {@code Timeout}) or throw it itself to stop cooperatively.
 *
 * <p>Unchecked and without a stack trace, so that throwing it from a hot loop is cheap. Immutable.
 */
public final class RequestCancelledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean timedOut;

    /**
     * @param timedOut whether the request's deadline passed (rather than a {@code __cancel__})
     */
    public RequestCancelledException(String message, boolean timedOut) {
        super(message, null, false, false);
        this.timedOut = timedOut;
    }

    /** Whether the deadline passed, as opposed to an explicit {@code __cancel__} or a shutdown. */
    public boolean timedOut() {
        return timedOut;
    }
}
