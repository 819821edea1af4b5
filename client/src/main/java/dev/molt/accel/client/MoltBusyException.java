package dev.molt.accel.client;

import dev.molt.accel.protocol.Status;

/**
 * The worker's queue was full (`Busy`). The request did not run, so a retry is safe.
 */
public class MoltBusyException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltBusyException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, Status.BUSY, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.BUSY.code();
    }

    @Override
    public boolean isRetrySafe() {
        return true;
    }
}
