package dev.molt.accel.spring.observation;

import dev.molt.accel.spring.observation.MoltObservationDocumentation.HighCardinalityKeys;
import dev.molt.accel.spring.observation.MoltObservationDocumentation.LowCardinalityKeys;
import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import java.util.Map;

/**
 * The default {@link MoltObservationConvention}: observation {@value #NAME} (a timer of that name
 * and a long task timer {@code molt.accel.call.active} under Micrometer's meter handler), contextual
 * (span) name {@code molt <entry>}, low-cardinality keys {@code entry}, {@code worker} (the pool),
 * {@code outcome}, {@code transport}; high-cardinality keys the request id, the worker's id and the
 * worker's {@code queue_us} / {@code exec_us} / {@code decode_us} of the answer. Stateless and
 * thread-safe; extend it to add keys.
 */
public class DefaultMoltObservationConvention implements MoltObservationConvention {

    /** The observation's name. */
    public static final String NAME = "molt.accel.call";

    /** The shared instance. */
    public static final DefaultMoltObservationConvention INSTANCE = new DefaultMoltObservationConvention();

    private static final String UNKNOWN = "none";

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(MoltCallContext context) {
        return "molt " + context.entry();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(MoltCallContext context) {
        return KeyValues.of(
                KeyValue.of(LowCardinalityKeys.ENTRY, context.entry()),
                KeyValue.of(LowCardinalityKeys.WORKER, context.pool()),
                KeyValue.of(LowCardinalityKeys.OUTCOME, context.outcome()),
                KeyValue.of(LowCardinalityKeys.TRANSPORT, context.transport()));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(MoltCallContext context) {
        KeyValues kv = KeyValues.of(
                KeyValue.of(HighCardinalityKeys.REQUEST_ID,
                        context.requestId() == 0 ? UNKNOWN : Long.toUnsignedString(context.requestId())),
                KeyValue.of(HighCardinalityKeys.WORKER_ID, context.worker().isEmpty() ? UNKNOWN : context.worker()));
        if (context.getResponse() == null) {
            return kv;
        }
        // the worker's share of the time, so that a trace shows where it went
        Map<String, Object> m = context.workerMetrics();
        kv = metric(kv, m, "queue_us", HighCardinalityKeys.QUEUE_US);
        kv = metric(kv, m, "exec_us", HighCardinalityKeys.EXEC_US);
        return metric(kv, m, "decode_us", HighCardinalityKeys.DECODE_US);
    }

    private static KeyValues metric(KeyValues kv, Map<String, Object> metrics, String name, HighCardinalityKeys key) {
        Object v = metrics.get(name);
        return v instanceof Number n ? kv.and(KeyValue.of(key, Long.toString(n.longValue()))) : kv;
    }
}
