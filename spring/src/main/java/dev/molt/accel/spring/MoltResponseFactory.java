package dev.molt.accel.spring;

import dev.molt.accel.client.MoltResult;

/**
 * Makes the response of an offloaded call from the worker's result (see
 * {@link MoltOffload#responseFactory()}). The value returned is handled as if the method had
 * returned it (a body, or a {@code ResponseEntity}). Thread-safe implementations only.
 */
@FunctionalInterface
public interface MoltResponseFactory {

    /**
     * The response for {@code result}. Runs on a request-handling thread, never on a worker's
     * reader thread.
     */
    Object create(MoltResult result, MoltOffloadContext context);
}
