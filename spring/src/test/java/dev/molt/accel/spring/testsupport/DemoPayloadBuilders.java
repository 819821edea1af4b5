package dev.molt.accel.spring.testsupport;

import dev.molt.accel.contracts.DemoPayloads;
import dev.molt.accel.contracts.InvalidFieldException;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.spring.MoltPayloadValidationException;
import java.util.Map;
import java.util.function.Function;

/**
 * Payload builders for the demo contract's exports of the test worker, on the contracts module as the
 * demo application's are: the starter itself ships no contract-specific builders.
 */
public final class DemoPayloadBuilders {

    private DemoPayloadBuilders() {
    }

    private static Object build(MoltOffloadContext context, Function<Function<String, ?>, Map<String, Object>> contract) {
        try {
            return contract.apply(DemoPayloads.lookup(context.arguments(), context::parameterValues));
        } catch (InvalidFieldException e) {
            throw new MoltPayloadValidationException(e.getMessage());
        }
    }

    /** {@code list_items}. */
    public static final class ListItemsPayloadBuilder implements MoltPayloadBuilder {
        @Override
        public Object build(MoltOffloadContext context) {
            return DemoPayloadBuilders.build(context, DemoPayloads::listItems);
        }
    }

    /** {@code compute}. */
    public static final class ComputePayloadBuilder implements MoltPayloadBuilder {
        @Override
        public Object build(MoltOffloadContext context) {
            return DemoPayloadBuilders.build(context, DemoPayloads::compute);
        }
    }

    /** {@code offload_table}. */
    public static final class OffloadTablePayloadBuilder implements MoltPayloadBuilder {
        @Override
        public Object build(MoltOffloadContext context) {
            return DemoPayloadBuilders.build(context, DemoPayloads::offloadTable);
        }
    }
}
