package dev.molt.accel.client;

/**
 * The worker process could not be started, died, or closed its pipes. The request may or may not have run: retry only idempotent calls.
 */
public class MoltWorkerUnavailableException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    public MoltWorkerUnavailableException(String message, String entry, long requestId, Throwable cause) {
        super(message, entry, requestId, null, cause);
    }

    @Override
    public String errorCode() {
        return MoltErrorCode.WORKER_UNAVAILABLE.code();
    }

    @Override
    public boolean isRetrySafe() {
        return false;
    }
}
