package dev.molt.accel.spring;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltBusyException;
import dev.molt.accel.client.MoltCancelledException;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.client.MoltTimeoutException;
import dev.molt.accel.client.MoltWorkerUnavailableException;
import java.time.Duration;

/**
 * Maps failures of offloaded calls to HTTP answers (PROTOCOL.md section 11). By default the detail is
 * a fixed, generic sentence per code: no exception class, stack trace or worker message reaches the
 * HTTP client unless {@code exposeDetails} is set ({@code molt.accel.expose-details}). Messages of
 * {@link MoltPayloadValidationException} and {@link MoltRequestTooLargeException} are written by
 * the application, not the worker, and are always shown, and so is the message of an
 * {@code InvalidInput} that the export marked as safe to show
 * ({@link MoltInvalidInputException#safeMessage()}; in a Java worker, {@code MoltRejectedException}).
 *
 * <p>Thread-safe. Declare a bean of this type (or a subclass) to change the mapping.
 */
public class MoltErrorMapper {

    /** Status of a request cancelled while the worker worked (nginx's "client closed request"). */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    private final boolean exposeDetails;
    private final Long retryAfterSeconds;

    /**
     * @param exposeDetails whether the exception message is the detail
     * @param retryAfter the {@code Retry-After} of 503 and 429 answers, rounded up to seconds
     */
    public MoltErrorMapper(boolean exposeDetails, Duration retryAfter) {
        this.exposeDetails = exposeDetails;
        long seconds = retryAfter.toSeconds() + (retryAfter.toNanosPart() > 0 ? 1 : 0);
        this.retryAfterSeconds = Math.max(0, seconds);
    }

    /** Whether exception messages are shown to HTTP clients. */
    public boolean exposeDetails() {
        return exposeDetails;
    }

    /**
     * The answer for {@code error} (or the first Molt failure among its causes), or {@code null} when
     * it is no failure of an offloaded call.
     *
     * @param busyStatus the status for {@code Busy}: 429 or 503
     */
    public MoltHttpError map(Throwable error, int busyStatus) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MoltRequestTooLargeException e) {
                return new MoltHttpError(413, "MoltPayloadTooLarge", e.getMessage(), null);
            }
            if (t instanceof MoltAccelException e) {
                return map(e, busyStatus);
            }
        }
        return null;
    }

    /** The answer for a Molt failure. */
    protected MoltHttpError map(MoltAccelException e, int busyStatus) {
        if (e instanceof MoltPayloadValidationException) {
            return new MoltHttpError(400, e.errorCode(), message(e, "Invalid input."), null);
        }
        if (e instanceof MoltWorkerUnavailableException) {
            return error(503, e, "The worker is unavailable; retry later.", retryAfterSeconds);
        }
        if (e instanceof MoltBusyException) {
            return error(busyStatus, e, "The worker is busy; retry later.", retryAfterSeconds);
        }
        if (e instanceof MoltTimeoutException) {
            return error(504, e, "The worker did not answer in time.", null);
        }
        if (e instanceof MoltInvalidInputException invalid) {
            // a message the export marked as safe to show (already capped and sanitized by the client)
            String safe = invalid.safeMessage().orElse(null);
            if (safe != null) {
                return new MoltHttpError(400, e.errorCode(), safe, null);
            }
            return error(400, e, "The worker rejected the input.", null);
        }
        if (e instanceof MoltCancelledException) {
            return error(CLIENT_CLOSED_REQUEST, e, "The request was cancelled.", null);
        }
        if (e instanceof MoltProtocolException) {
            return error(502, e, "The worker sent an invalid response.", null);
        }
        if (e instanceof MoltInternalErrorException) {
            return error(500, e, "The worker failed to process the request.", null);
        }
        return error(500, e, "The offloaded call failed.", null);
    }

    private MoltHttpError error(int status, MoltAccelException e, String generic, Long retryAfter) {
        return new MoltHttpError(status, e.errorCode(), exposeDetails ? message(e, generic) : generic, retryAfter);
    }

    private static String message(Throwable e, String fallback) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? fallback : m;
    }
}
