package dev.molt.accel.spring.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.spring.observation.DefaultMoltObservationConvention;
import dev.molt.accel.spring.observation.MoltCallContext;
import dev.molt.accel.spring.observation.MoltObservationConvention;
import dev.molt.accel.spring.observation.MoltObservationDocumentation;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps each offloaded call in an {@link Observation} ({@link MoltObservationDocumentation#CALL})
 * of the application's registry. Starting the observation lets a propagating tracing handler write
 * the call span's context into the carrier, which becomes the request's {@code headers}; the answer
 * (request id, worker, worker timings) or the failure's error code is put on the context before the
 * observation stops. A no-op registry, or an observation a predicate turned off, costs one check
 * (and, for the latter, one context) per call. Thread-safe.
 */
public final class ObservedCalls implements CallObserver {

    private static final Logger log = LoggerFactory.getLogger(ObservedCalls.class);

    private final ObservationRegistry registry;
    private final MoltObservationConvention convention;
    private final AtomicBoolean tooLargeLogged = new AtomicBoolean();

    /** @param convention the application's convention, or {@code null} for the default */
    public ObservedCalls(ObservationRegistry registry, MoltObservationConvention convention) {
        this.registry = registry;
        this.convention = convention;
    }

    @Override
    public CompletableFuture<MoltResult> callAsync(OffloadPlan plan, MoltClient client, byte[] payload,
            CallOptions options, Object parent) {
        if (registry.isNoop()) {
            return client.callAsync(plan.entry(), payload, options);
        }
        MoltCallContext context = new MoltCallContext(plan.entry(), plan.pool(), plan.transport());
        Observation observation = observation(context);
        if (observation.isNoop()) {
            return client.callAsync(plan.entry(), payload, options);
        }
        if (parent instanceof Observation p && registry.getCurrentObservation() == null) {
            observation.parentObservation(p);
            // The parent's scope is open while the call's starts: a tracer injects the baggage of the
            // thread's context (the OpenTelemetry bridge does), and on a WebFlux thread that is the
            // request's only inside its scope, so without it the trace ids would go and the baggage not.
            try (Observation.Scope s = p.openScope()) {
                observation.start();
            }
        } else {
            observation.start();
        }
        CompletableFuture<MoltResult> call;
        try {
            call = client.callAsync(plan.entry(), payload, withHeaders(options, context.getCarrier()));
        } catch (RuntimeException | Error e) {
            stop(observation, context, null, e);
            throw e;
        }
        // the caller keeps the client's own future, so that cancelling it still cancels the call
        call.whenComplete((r, e) -> stop(observation, context, r, e));
        return call;
    }

    @Override
    public MoltResult call(OffloadPlan plan, MoltClient client, byte[] payload, CallOptions options) {
        if (registry.isNoop()) {
            return client.call(plan.entry(), payload, options);
        }
        MoltCallContext context = new MoltCallContext(plan.entry(), plan.pool(), plan.transport());
        Observation observation = observation(context);
        if (observation.isNoop()) {
            return client.call(plan.entry(), payload, options);
        }
        observation.start();
        MoltResult result;
        try {
            result = client.call(plan.entry(), payload, withHeaders(options, context.getCarrier()));
        } catch (RuntimeException | Error e) {
            stop(observation, context, null, e);
            throw e;
        }
        stop(observation, context, result, null);
        return result;
    }

    private Observation observation(MoltCallContext context) {
        return MoltObservationDocumentation.CALL.observation(convention, DefaultMoltObservationConvention.INSTANCE,
                () -> context, registry);
    }

    private static void stop(Observation observation, MoltCallContext context, MoltResult result, Throwable failure) {
        try {
            if (failure == null && result != null) {
                context.succeeded(result);
            } else {
                MoltAccelException m = Offloader.asMolt(failure, context.entry());
                context.failed(m.errorCode(), m.requestId(), m);
                observation.error(m);
            }
        } finally {
            observation.stop();
        }
    }

    /** {@code options} with the propagated trace headers added (over the call's own headers of the same names). */
    CallOptions withHeaders(CallOptions options, Map<String, String> propagated) {
        if (propagated == null || propagated.isEmpty()) {
            return options;
        }
        Map<String, String> own = options.headers();
        Map<String, String> headers = propagated;
        if (!own.isEmpty()) {
            headers = new LinkedHashMap<>(own);
            headers.putAll(propagated);
        }
        try {
            return options.toBuilder().headers(headers).build();
        } catch (IllegalArgumentException e) {
            // baggage past the envelope's 32 entries / 8 KiB: the call goes without trace context
            if (tooLargeLogged.compareAndSet(false, true)) {
                log.warn("Trace headers not sent with Molt calls: {} (logged once)", e.getMessage());
            }
            return options;
        }
    }
}
