package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.MoltHttpError;
import dev.molt.accel.spring.MoltOffload;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers failures of offloaded calls on WebFlux with {@code {"error", "detail"}} JSON (PROTOCOL.md
 * section 11), and requests to offloaded handlers that the framework refused before the call (bodies
 * over the codec limit, unreadable bodies, wrong content types). Runs before Spring Boot's error
 * handler (order -1) and after {@code @ExceptionHandler} methods, which see the error first.
 */
public final class MoltWebExceptionHandler implements WebExceptionHandler, Ordered {

    private final MoltErrorMapper mapper;
    private final int defaultBusyStatus;

    public MoltWebExceptionHandler(MoltErrorMapper mapper, int defaultBusyStatus) {
        this.mapper = mapper;
        this.defaultBusyStatus = defaultBusyStatus;
    }

    @Override
    public int getOrder() {
        return -2;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        Object busy = exchange.getAttribute(ReactiveOffloadSupport.BUSY_STATUS_ATTRIBUTE);
        MoltHttpError error = mapper.map(ex, busy instanceof Integer i ? i : defaultBusyStatus);
        if (error == null) {
            error = requestError(exchange, ex);
        }
        if (error == null) {
            return Mono.error(ex);
        }
        MoltErrorLogging.answered(ex, error);
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.empty();
        }
        response.setStatusCode(HttpStatusCode.valueOf(error.status()));
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        if (error.retryAfterSeconds() != null) {
            response.getHeaders().set("Retry-After", Long.toString(error.retryAfterSeconds()));
        }
        byte[] body = error.body();
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    /**
     * A request refused by the framework before the call (a body over the codec's in-memory limit, an
     * unreadable body, a wrong content type) to an offloaded handler, answered with the same body as
     * every other failure of it; the detail names the kind of problem only.
     */
    private static MoltHttpError requestError(ServerWebExchange exchange, Throwable ex) {
        if (!(ex instanceof ResponseStatusException rse) || !rse.getStatusCode().is4xxClientError()
                || !(exchange.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE) instanceof HandlerMethod hm)
                || !AnnotatedElementUtils.hasAnnotation(hm.getMethod(), MoltOffload.class)) {
            return null;
        }
        int status = rse.getStatusCode().value();
        return switch (status) {
            case 413 -> new MoltHttpError(413, "MoltPayloadTooLarge", "Request body exceeds the limit.", null);
            case 415 -> new MoltHttpError(415, "MoltInvalidInput", "Unsupported content type.", null);
            case 406 -> new MoltHttpError(406, "MoltInvalidInput", "No acceptable representation.", null);
            default -> new MoltHttpError(status, "MoltInvalidInput", "The request could not be read.", null);
        };
    }
}
