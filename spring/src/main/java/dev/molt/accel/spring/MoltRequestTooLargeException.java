package dev.molt.accel.spring;

/**
 * The body or the encoded payload of a request to an offloaded endpoint is larger than
 * {@code molt.accel.max-request-size}; answered 413 {@code MoltPayloadTooLarge} before any worker is
 * called.
 */
public class MoltRequestTooLargeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long limit;
    private final long size;

    /**
     * @param limit the largest accepted size in bytes
     * @param size the size seen, or -1 when the body was refused while being read
     */
    public MoltRequestTooLargeException(long limit, long size) {
        super(size < 0 ? "Request body exceeds " + limit + " bytes"
                : "Request of " + size + " bytes exceeds the limit of " + limit + " bytes");
        this.limit = limit;
        this.size = size;
    }

    /** The largest accepted size in bytes. */
    public long limit() {
        return limit;
    }

    /** The size seen in bytes, or -1 when unknown. */
    public long size() {
        return size;
    }
}
