package dev.molt.accel.client;

import dev.molt.accel.protocol.SafeErrors;
import dev.molt.accel.protocol.Status;
import java.util.Optional;

/**
 * The worker rejected the payload or the entry (`InvalidInput`), or the payload could not be encoded. The same input fails again: do not retry.
 *
 * <p>When the export marked its message as safe to show to the end user
 * ({@link SafeErrors}, for example a Java worker's {@code MoltRejectedException}),
 * {@link #safeMessage()} holds it, sanitized; every other message is for logs only.
 */
public class MoltInvalidInputException extends MoltAccelException {

    private static final long serialVersionUID = 1L;

    private final String safeMessage;

    public MoltInvalidInputException(String message, String entry, long requestId, Throwable cause) {
        this(message, entry, requestId, cause, null);
    }

    /**
     * @param safeMessage the message the export marked as safe to show, already sanitized, or {@code null}
     */
    public MoltInvalidInputException(String message, String entry, long requestId, Throwable cause, String safeMessage) {
        super(message, entry, requestId, Status.INVALID_INPUT, cause);
        this.safeMessage = safeMessage;
    }

    /**
     * The worker's {@code InvalidInput} for {@code error}: a marked message becomes
     * {@link #safeMessage()} (and the message, without its mark).
     */
    public static MoltInvalidInputException fromWorker(String error, String entry, long requestId) {
        String safe = SafeErrors.safeMessage(error);
        if (safe != null) {
            return new MoltInvalidInputException(safe, entry, requestId, null, safe);
        }
        String m = error == null || error.isEmpty() ? "Invalid input" : SafeErrors.unmarked(error);
        return new MoltInvalidInputException(m.isEmpty() ? "Invalid input" : m, entry, requestId, null, null);
    }

    /** The message the export marked as safe to show to the end user, if it marked one. */
    public Optional<String> safeMessage() {
        return Optional.ofNullable(safeMessage);
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
