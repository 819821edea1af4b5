package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * The call was cancelled (by the caller, an interrupt, a cancel check, or the worker). The request may have run in part.
 */
public class MoltCancelledException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltCancelledException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, Status.CANCELLED, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.CANCELLED.code();
    }

    @Override
    public boolean isRetrySafe() {
        return false;
    }
}
