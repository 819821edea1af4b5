package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltResult;
import java.util.concurrent.CompletableFuture;
import org.aopalliance.intercept.MethodInvocation;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.ProxyMethodInvocation;
import reactor.core.publisher.Mono;

/**
 * The {@code Mono} an offloaded method returns. The call starts on subscription; cancelling the
 * subscription (a client that went away) cancels the call, which sends {@code __cancel__}. Inside
 * WebFlux request handling (the result handler puts {@link ReactiveReply#CONTEXT_KEY} in the
 * context) it emits a {@link ReactiveReply} for the result handler to write; otherwise it emits the
 * value converted to the declared type.
 */
final class ReactiveOffload {

    private static final Logger log = LoggerFactory.getLogger(ReactiveOffload.class);
    /** Micrometer's {@code ObservationThreadLocalAccessor.KEY}, named here so Micrometer stays optional. */
    static final String OBSERVATION_KEY = "micrometer.observation";

    private ReactiveOffload() {
    }

    /**
     * @param current the request of the calling thread (Spring MVC), used when the subscriber's
     *     context names none
     */
    static Mono<Object> mono(OffloadRegistry registry, OffloadPlan plan, MethodInvocation invocation,
            RequestView current) {
        Object[] args = invocation.getArguments().clone();
        return Mono.deferContextual(cv -> {
            RequestView request = cv.getOrDefault(RequestView.CONTEXT_KEY, current);
            boolean replies = cv.hasKey(ReactiveReply.CONTEXT_KEY);
            OffloadContextImpl context = new OffloadContextImpl(plan, args, request);
            CompletableFuture<MoltResult> future;
            try {
                // WebFlux keeps the server request's observation in the Reactor context, not in a thread local
                future = registry.offloader().start(plan, context, cv.getOrDefault(OBSERVATION_KEY, null));
            } catch (RuntimeException e) {
                return Mono.error(e);
            }
            Mono<Object> mono = Mono.fromFuture(future, false)
                    .onErrorMap(e -> Offloader.unwrap(e, plan.entry()))
                    .handle((result, sink) -> {
                        if (replies) {
                            sink.next(ReactiveReply.success(context, result));
                        } else {
                            Object v = ResponseDecision.directValue(plan, context, result);
                            if (v != null) {
                                sink.next(v);
                            }
                        }
                    });
            return mono.onErrorResume(e -> plan.fallsBackOn(e), e -> fallback(plan, invocation, replies, e));
        });
    }

    @SuppressWarnings("unchecked")
    private static Mono<Object> fallback(OffloadPlan plan, MethodInvocation invocation, boolean replies, Throwable e) {
        if (!(invocation instanceof ProxyMethodInvocation pmi)) {
            return Mono.error(e);
        }
        log.debug("Call to '{}' failed ({}); running {} in-process", plan.entry(), e.getClass().getSimpleName(),
                plan.method().getName());
        Object value;
        try {
            value = pmi.invocableClone().proceed();
        } catch (Throwable t) {
            return Mono.error(t);
        }
        if (replies) {
            return Mono.just(ReactiveReply.fallback(value));
        }
        return value == null ? Mono.empty() : Mono.from((Publisher<Object>) value);
    }
}
