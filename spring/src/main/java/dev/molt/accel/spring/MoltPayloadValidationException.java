package dev.molt.accel.spring;

import dev.molt.accel.client.MoltInvalidInputException;

/**
 * A payload builder refused the request. Answered 400 {@code MoltInvalidInput} with this message as
 * the detail (so the message must be safe to show to the HTTP client); no worker is called.
 */
public class MoltPayloadValidationException extends MoltInvalidInputException {

    private static final long serialVersionUID = 1L;

    public MoltPayloadValidationException(String message) {
        super(message, null, 0, null);
    }
}
