package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltPayloadValidationException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.HandlerResultHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Writes the answers of offloaded WebFlux handler methods. It subscribes to the method's
 * {@code Mono} with the exchange in the Reactor context (so contexts see the request), so a client
 * that goes away cancels the subscription and with it the worker call. Result bytes are written as
 * they came; values go to Spring's own result handlers (message writers, {@code ResponseEntity}).
 * Conversion runs on the parallel scheduler, never on a worker's reader thread. A query that is not
 * valid UTF-8 is refused (400) before the call starts. Failures are
 * signalled as errors, for {@code @ExceptionHandler} methods and then {@link MoltWebExceptionHandler}.
 */
public final class ReactiveOffloadResultHandler implements HandlerResultHandler, Ordered {

    static final String MALFORMED_QUERY = "The request contains malformed characters.";

    private final Supplier<OffloadRegistry> registry;
    private final ObjectProvider<HandlerResultHandler> handlers;
    private volatile List<HandlerResultHandler> delegates;

    public ReactiveOffloadResultHandler(Supplier<OffloadRegistry> registry, ObjectProvider<HandlerResultHandler> handlers) {
        this.registry = registry;
        this.handlers = handlers;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public boolean supports(HandlerResult result) {
        Method m = result.getReturnTypeSource().getMethod();
        return result.getReturnValue() instanceof Mono && m != null && registry.get().isOffloaded(m);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Mono<Void> handleResult(ServerWebExchange exchange, HandlerResult result) {
        OffloadPlan plan = registry.get().plan(result.getReturnTypeSource().getMethod());
        exchange.getAttributes().put(ReactiveOffloadSupport.BUSY_STATUS_ATTRIBUTE, plan.busyStatus());
        if (!Utf8Query.isValid(exchange.getRequest().getURI().getRawQuery())) {
            return Mono.error(new MoltPayloadValidationException(MALFORMED_QUERY));
        }
        Mono<Object> mono = (Mono<Object>) result.getReturnValue();
        return mono
                .contextWrite(c -> c.put(RequestView.CONTEXT_KEY, new ExchangeRequestView(exchange))
                        .put(ReactiveReply.CONTEXT_KEY, Boolean.TRUE))
                .publishOn(Schedulers.parallel())
                .flatMap(v -> v instanceof ReactiveReply reply ? write(exchange, result, plan, reply)
                        : delegate(exchange, result, Mono.just(v)));
    }

    private Mono<Void> write(ServerWebExchange exchange, HandlerResult result, OffloadPlan plan, ReactiveReply reply) {
        if (reply.isFallback()) {
            return delegate(exchange, result, reply.fallbackValue());
        }
        ResponseDecision decision = ResponseDecision.of(plan, reply.context(), reply.result());
        if (decision instanceof ResponseDecision.Bytes bytes) {
            ServerHttpResponse response = exchange.getResponse();
            response.getHeaders().setContentType(MediaType.parseMediaType(bytes.contentType()));
            response.getHeaders().setContentLength(bytes.bytes().length);
            return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes.bytes())));
        }
        return delegate(exchange, result, Mono.justOrEmpty(((ResponseDecision.Value) decision).value()));
    }

    private Mono<Void> delegate(ServerWebExchange exchange, HandlerResult original, Object value) {
        HandlerResult r = new HandlerResult(original.getHandler(), value, original.getReturnTypeSource(),
                original.getBindingContext());
        for (HandlerResultHandler h : delegates()) {
            if (h.supports(r)) {
                return h.handleResult(exchange, r);
            }
        }
        return Mono.error(new IllegalStateException("No HandlerResultHandler for " + original.getReturnType()));
    }

    private List<HandlerResultHandler> delegates() {
        List<HandlerResultHandler> d = delegates;
        if (d == null) {
            d = handlers.orderedStream().filter(h -> !(h instanceof ReactiveOffloadResultHandler)).toList();
            delegates = d;
        }
        return d;
    }
}
