package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.spring.MoltHttpError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs answered failures: worker faults (internal and protocol errors) at WARN with the message the
 * HTTP client does not see, the rest at DEBUG (an unavailable worker is already logged by the
 * client, once per failed start rather than once per request).
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
        if ((root instanceof MoltInternalErrorException || root instanceof MoltProtocolException)
                && !(root instanceof CodecMismatchException)) {
            log.warn("Answered {} {}: {}", answer.status(), answer.code(), root.getMessage());
        } else if (log.isDebugEnabled()) {
            log.debug("Answered {} {}: {}", answer.status(), answer.code(), root.getMessage());
        }
    }
}
