package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * The handler failed in the worker (`InternalError`). The message is the worker's and must not reach end users. The request may have had effects.
 */
public class MoltInternalErrorException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltInternalErrorException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, Status.INTERNAL_ERROR, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.INTERNAL_ERROR.code();
    }

    @Override
    public boolean isRetrySafe() {
        return false;
    }
}
