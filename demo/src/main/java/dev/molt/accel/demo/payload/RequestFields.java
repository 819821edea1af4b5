package dev.molt.accel.demo.payload;

import dev.molt.accel.contracts.DemoPayloads;
import dev.molt.accel.contracts.InvalidFieldException;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadValidationException;
import java.util.Map;
import java.util.function.Function;

/** The glue between an offloaded call's context and the contract's payload functions. */
final class RequestFields {

    private RequestFields() {
    }

    /**
     * Applies {@code contract} to the fields of {@code context} (see {@link DemoPayloads#lookup});
     * a refused field becomes a 400 with the contract's message, which names the field and quotes at
     * most 40 characters of it.
     */
    static Map<String, Object> build(MoltOffloadContext context,
            Function<Function<String, ?>, Map<String, Object>> contract) {
        try {
            return contract.apply(DemoPayloads.lookup(context.arguments(), context::parameterValues));
        } catch (InvalidFieldException e) {
            throw new MoltPayloadValidationException(e.getMessage());
        }
    }
}
