package dev.molt.accel.spring.observation;

import dev.molt.accel.client.MoltResult;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.RequestReplySenderContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The observation context of one offloaded call: what an {@link MoltObservationConvention} reads.
 * Its carrier is the request envelope's {@code headers} map (PROTOCOL.md section 3): a tracing
 * handler that propagates (Micrometer Tracing's {@code PropagatingSenderTracingObservationHandler},
 * with the OpenTelemetry bridge or Brave) writes {@code traceparent}, {@code tracestate} and
 * {@code baggage} into it when the observation starts, and the call sends them to the worker.
 *
 * <p>Created per call by the starter; written by the thread that starts the call and then by the
 * thread that completes it (the completion happens-after the start), read by observation handlers
 * on those threads. Not for sharing between calls.
 */
public final class MoltCallContext extends RequestReplySenderContext<Map<String, String>, MoltResult> {

    private final String entry;
    private final String pool;
    private final String transport;
    private String outcome = "ok";
    private long requestId;
    private String worker = "";

    /**
     * @param entry the export called
     * @param pool the worker pool (its meter tag)
     * @param transport {@code stdio}, {@code unix}, {@code tcp} or {@code tls}
     */
    public MoltCallContext(String entry, String pool, String transport) {
        super(MoltCallContext::put, Kind.CLIENT);
        this.entry = entry;
        this.pool = pool;
        this.transport = transport;
        setCarrier(new LinkedHashMap<>(4));
        setRemoteServiceName("molt-" + pool);
    }

    private static void put(Map<String, String> carrier, String key, String value) {
        if (carrier != null && key != null && value != null) {
            carrier.put(key, value);
        }
    }

    /** The export called. */
    public String entry() {
        return entry;
    }

    /** The worker pool's name. */
    public String pool() {
        return pool;
    }

    /** How the pool reaches its workers: {@code stdio}, {@code unix}, {@code tcp} or {@code tls}. */
    public String transport() {
        return transport;
    }

    /** {@code ok}, or the error code of the failure ({@code MoltTimeout}, ...); {@code ok} until the call ends. */
    public String outcome() {
        return outcome;
    }

    /** The request id of the answer (or of the failed attempt), 0 when none was sent. */
    public long requestId() {
        return requestId;
    }

    /** The worker that answered: its process id, or the endpoint address; empty when unknown. */
    public String worker() {
        return worker;
    }

    /** The worker's metrics of the answer ({@code queue_us}, {@code exec_us}, ...), empty on failure. */
    public Map<String, Object> workerMetrics() {
        MoltResult r = getResponse();
        return r == null ? Map.of() : r.metrics();
    }

    /** Called by the starter when the call succeeded. */
    public void succeeded(MoltResult result) {
        setResponse(result);
        this.outcome = "ok";
        this.requestId = result.requestId();
        this.worker = result.worker();
    }

    /** Called by the starter when the call failed with {@code errorCode}. */
    public void failed(String errorCode, long requestId, Throwable failure) {
        this.outcome = errorCode;
        this.requestId = requestId;
        setError(failure);
    }
}
