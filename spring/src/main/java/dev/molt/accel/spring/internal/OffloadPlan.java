package dev.molt.accel.spring.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltCancelledException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.spring.MoltAfterRecv;
import dev.molt.accel.spring.MoltBeforeSend;
import dev.molt.accel.spring.MoltCancelCheck;
import dev.molt.accel.spring.MoltMetricsHook;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.spring.MoltResponseFactory;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything about one {@code @MoltOffload} method, resolved once when the application starts:
 * the entry, the call options, the client, the payload and response strategies, the hooks and the
 * return shape. Immutable and thread-safe; the per-call work is building a payload and, only when
 * the method has hooks, a {@link CallOptions} closing over the call's context.
 */
public final class OffloadPlan {

    private static final Logger log = LoggerFactory.getLogger(OffloadPlan.class);

    private final Method method;
    private final String entry;
    private final Codec codec;
    private final Codec codecOut;
    private final AtomicBoolean codecMismatchLogged = new AtomicBoolean();
    private final AtomicBoolean misconfigurationLogged = new AtomicBoolean();
    private final CallOptions baseOptions;
    private final boolean hasContextHooks;
    private final boolean allowFallback;
    private final boolean decodeResponse;
    private final int busyStatus;
    private final ClientMode mode;
    private final MoltClient client;
    private final MoltPayloadBuilder payloadBuilder;
    private final int singlePayloadIndex;
    private final int[] payloadIndexes;
    private final MoltResponseFactory responseFactory;
    private final MoltBeforeSend beforeSend;
    private final MoltAfterRecv afterRecv;
    private final MoltMetricsHook metricsHook;
    private final MoltCancelCheck cancelCheck;
    private final Consumer<Map<String, Object>> observer;
    private final ReturnShape shape;
    private final String[] parameterNames;
    private final long asyncTimeoutMillis;
    private final String pool;
    private final String transport;

    OffloadPlan(Builder b) {
        this.pool = b.pool;
        this.transport = b.transport;
        this.method = b.method;
        this.entry = b.entry;
        this.codec = b.codec;
        this.codecOut = b.codecOut;
        this.allowFallback = b.allowFallback;
        this.decodeResponse = b.decodeResponse;
        this.busyStatus = b.busyStatus;
        this.mode = b.mode;
        this.client = b.client;
        this.payloadBuilder = b.payloadBuilder;
        this.singlePayloadIndex = b.singlePayloadIndex;
        this.payloadIndexes = b.payloadIndexes;
        this.responseFactory = b.responseFactory;
        this.beforeSend = b.beforeSend;
        this.afterRecv = b.afterRecv;
        this.metricsHook = b.metricsHook;
        this.cancelCheck = b.cancelCheck;
        this.observer = b.observer;
        this.shape = b.shape;
        this.parameterNames = b.parameterNames;
        this.asyncTimeoutMillis = b.asyncTimeoutMillis;
        this.hasContextHooks = beforeSend != null || afterRecv != null || metricsHook != null || cancelCheck != null;
        CallOptions.Builder options = b.options;
        if (!hasContextHooks && observer != null) {
            options.metrics(observer);
        }
        this.baseOptions = options.build();
    }

    public Method method() {
        return method;
    }

    public String entry() {
        return entry;
    }

    /** The pool's name (its meter tag): the pool, or the name of the client bean. */
    public String pool() {
        return pool;
    }

    /** How the pool reaches its workers: {@code stdio}, {@code unix}, {@code tcp} or {@code tls}. */
    public String transport() {
        return transport;
    }

    public Codec codec() {
        return codec;
    }

    /** The codec results must have (the export's {@code codec_out}), or {@code null} for any. */
    public Codec codecOut() {
        return codecOut;
    }

    /**
     * Refuses a result in a codec other than {@link #codecOut()}, logging the first mismatch of this
     * method at WARN (a worker that answers in the wrong codec does so on every call).
     *
     * @throws CodecMismatchException when the codecs differ
     */
    public void checkCodec(MoltResult result) {
        if (codecOut == null || result.codec() == codecOut) {
            return;
        }
        if (codecMismatchLogged.compareAndSet(false, true)) {
            log.warn("Worker answered '{}' in codec {} but the export's codec_out is {}; answering 502 (logged once)",
                    entry, result.codec().id(), codecOut.id());
        }
        throw new CodecMismatchException("Worker answered '" + entry + "' in codec " + result.codec().id()
                + ", expected " + codecOut.id(), entry, result.requestId());
    }

    public boolean allowFallback() {
        return allowFallback;
    }

    public boolean decodeResponse() {
        return decodeResponse;
    }

    public int busyStatus() {
        return busyStatus;
    }

    public ClientMode mode() {
        return mode;
    }

    /** The named client, or {@code null} for the application's default of {@link #mode()}. */
    public MoltClient client() {
        return client;
    }

    public MoltResponseFactory responseFactory() {
        return responseFactory;
    }

    public ReturnShape shape() {
        return shape;
    }

    public String[] parameterNames() {
        return parameterNames;
    }

    /** Upper bound of the whole call including retries, for async request time-outs; 0 when unbounded. */
    public long asyncTimeoutMillis() {
        return asyncTimeoutMillis;
    }

    public CallOptions baseOptions() {
        return baseOptions;
    }

    /**
     * Whether the method body runs instead of answering {@code failure}. Every failed call passes
     * here, so this is also where an answer meaning "misconfigured" ("Unknown entry", a codec the
     * export does not take) is logged at WARN, once per method: the HTTP client only sees a 400.
     */
    public boolean fallsBackOn(Throwable failure) {
        Throwable t = Offloader.unwrap(failure, entry);
        if (t instanceof MoltInvalidInputException invalid && invalid.safeMessage().isEmpty()) {
            warnIfMisconfigured(invalid);
        }
        return allowFallback && failure instanceof MoltAccelException
                && !(failure instanceof MoltInvalidInputException) && !(failure instanceof MoltCancelledException);
    }

    private void warnIfMisconfigured(MoltInvalidInputException e) {
        String m = e.getMessage();
        if (m == null || !(m.startsWith("Unknown entry '") || m.contains("expects codec"))
                || !misconfigurationLogged.compareAndSet(false, true)) {
            return;
        }
        log.warn("@MoltOffload on {}.{}: the worker{} answered entry '{}' (codec {}) with \"{}\"; the endpoint answers "
                + "400 until the entry or codec is fixed (logged once)", method.getDeclaringClass().getName(),
                method.getName(), pool == null ? "" : " of pool '" + pool + "'", entry, codec.id(), m);
    }

    /** The payload of one call: the builder's, else the arguments. */
    public Object payload(OffloadContextImpl context) {
        if (payloadBuilder != null) {
            return payloadBuilder.build(context);
        }
        Object[] args = context.args();
        if (singlePayloadIndex >= 0) {
            return args[singlePayloadIndex];
        }
        Map<String, Object> m = new LinkedHashMap<>(payloadIndexes.length * 2);
        for (int i : payloadIndexes) {
            m.put(parameterNames[i], args[i]);
        }
        return m;
    }

    /** The options of one call; the shared base options unless the method has hooks. */
    public CallOptions options(OffloadContextImpl context) {
        if (!hasContextHooks) {
            return baseOptions;
        }
        CallOptions.Builder b = baseOptions.toBuilder();
        if (beforeSend != null) {
            b.beforeSend(r -> beforeSend.beforeSend(context, r));
        }
        if (afterRecv != null) {
            b.afterRecv(r -> afterRecv.afterRecv(context, r));
        }
        if (cancelCheck != null) {
            b.cancelCheck(() -> cancelCheck.isCancelled(context));
        }
        if (metricsHook != null || observer != null) {
            Consumer<Map<String, Object>> obs = observer;
            MoltMetricsHook hook = metricsHook;
            b.metrics(m -> {
                try {
                    if (obs != null) {
                        obs.accept(m);
                    }
                } finally {
                    if (hook != null) {
                        hook.metrics(context, m);
                    }
                }
            });
        }
        return b.build();
    }

    @Override
    public String toString() {
        return "OffloadPlan[" + method.getDeclaringClass().getSimpleName() + "." + method.getName() + " -> " + entry
                + ", " + baseOptions + "]";
    }

    /** Assembled by {@link OffloadPlanFactory}. */
    static final class Builder {
        Method method;
        String entry;
        Codec codec;
        Codec codecOut;
        CallOptions.Builder options;
        boolean allowFallback;
        boolean decodeResponse;
        int busyStatus;
        ClientMode mode;
        MoltClient client;
        MoltPayloadBuilder payloadBuilder;
        int singlePayloadIndex = -1;
        int[] payloadIndexes = new int[0];
        MoltResponseFactory responseFactory;
        MoltBeforeSend beforeSend;
        MoltAfterRecv afterRecv;
        MoltMetricsHook metricsHook;
        MoltCancelCheck cancelCheck;
        Consumer<Map<String, Object>> observer;
        ReturnShape shape;
        String[] parameterNames;
        long asyncTimeoutMillis;
        String pool = "default";
        String transport = "stdio";
    }
}
