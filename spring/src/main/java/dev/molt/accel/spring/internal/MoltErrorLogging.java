package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.spring.MoltHttpError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs answered failures at DEBUG with the message the HTTP client does not see (the rate-limited
 * WARN summary per pool, entry and outcome is {@link FailedCallLog}'s), and at WARN an internal
 * error that did not come from a worker (an unavailable worker is also
 * logged by the client, once per failed start rather than once per request).
 */
final class MoltErrorLogging {

    private static final Logger log = LoggerFactory.getLogger("dev.molt.accel.spring.errors");

    private MoltErrorLogging() {
    }

    static void answered(Throwable error, MoltHttpError answer) {
        Throwable root = error;
        while (root.getCause() != null && !(root instanceof MoltAccelException)) {
            root = root.getCause();
        }
        if (root instanceof MoltInternalErrorException m && m.requestId() == 0) {
            // failed here, not in a worker (a response factory, a local error): no call summary covers it
            log.warn("Answered {} {}: {}", answer.status(), answer.code(), root.getMessage());
        } else if (log.isDebugEnabled()) {
            log.debug("Answered {} {}: {}", answer.status(), answer.code(), root.getMessage());
        }
    }
}
