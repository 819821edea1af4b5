package dev.molt.accel.spring;

/**
 * Builds the payload of an offloaded call, for exports whose contract is not simply the method's
 * arguments (see {@link MoltOffload#payloadBuilder()}). Implementations must be thread-safe: one
 * instance serves every call of the methods naming it.
 */
@FunctionalInterface
public interface MoltPayloadBuilder {

    /**
     * The payload: a value the method's codec can encode (maps, lists, records, strings, numbers),
     * or a {@code byte[]} already encoded in that codec.
     *
     * @throws MoltPayloadValidationException when the request is invalid: answered 400 with the
     *     exception's message as detail; no worker is called
     */
    Object build(MoltOffloadContext context);
}
