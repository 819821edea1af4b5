package dev.molt.accel.client;

/**
 * The worker sent bytes that break the protocol (bad frame, undecodable envelope or result). The worker is replaced. The request may have run.
 */
public class MoltProtocolException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltProtocolException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, null, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.PROTOCOL_ERROR.code();
    }

    @Override
    public boolean isRetrySafe() {
        return false;
    }
}
