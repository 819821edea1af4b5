package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * The worker rejected the payload or the entry (`InvalidInput`), or the payload could not be encoded. The same input fails again: do not retry.
 */
public class MoltInvalidInputException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltInvalidInputException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, Status.INVALID_INPUT, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.INVALID_INPUT.code();
    }

    @Override
    public boolean isRetrySafe() {
        return false;
    }
}
