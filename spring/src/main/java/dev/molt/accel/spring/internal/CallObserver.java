package dev.molt.accel.spring.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltResult;
import java.util.concurrent.CompletableFuture;

/**
 * Makes the calls of the {@link Offloader}, observing them (a Micrometer {@code Observation} per
 * call, trace context in the request headers). {@link #DIRECT} just calls. Thread-safe.
 */
public interface CallObserver {

    /** Calls without observing. */
    CallObserver DIRECT = new CallObserver() {
        @Override
        public CompletableFuture<MoltResult> callAsync(OffloadPlan plan, MoltClient client, byte[] payload,
                CallOptions options, Object parent) {
            return client.callAsync(plan.entry(), payload, options);
        }

        @Override
        public MoltResult call(OffloadPlan plan, MoltClient client, byte[] payload, CallOptions options) {
            return client.call(plan.entry(), payload, options);
        }
    };

    /**
     * Starts the call; the future returned must be the client's own (cancelling it cancels the call).
     *
     * @param parent the caller's observation when it is not the thread's current one (a Reactor
     *     context's, for WebFlux), or {@code null}
     */
    CompletableFuture<MoltResult> callAsync(OffloadPlan plan, MoltClient client, byte[] payload, CallOptions options,
            Object parent);

    /** Makes the call and waits for it. */
    MoltResult call(OffloadPlan plan, MoltClient client, byte[] payload, CallOptions options);
}
