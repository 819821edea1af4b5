package dev.molt.accel.protocol;

/**
 * A payload whose encoding would be larger than the limit given to
 * {@link Payloads#encode(Codec, Object, int)}; encoding stopped when the limit was passed.
 */
public class PayloadTooLargeException extends PayloadException {

    private static final long serialVersionUID = 1L;

    private final long limit;

    public PayloadTooLargeException(long limit) {
        super("Encoded payload exceeds " + limit + " bytes", null);
        this.limit = limit;
    }

    /** The largest accepted encoded size in bytes. */
    public long limit() {
        return limit;
    }
}
