package dev.molt.accel.protocol;

/**
 * A payload that could not be encoded or decoded with its codec. The message is safe to return to
 * the peer as an {@code InvalidInput} error: it names the codec and the problem, not internals.
 */
public class PayloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
