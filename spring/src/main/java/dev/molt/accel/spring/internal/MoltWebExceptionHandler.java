package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.MoltHttpError;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers failures of offloaded calls on WebFlux with {@code {"error", "detail"}} JSON (PROTOCOL.md
 * section 11). Runs before Spring Boot's error handler (order -1) and after {@code @ExceptionHandler}
 * methods, which see the error first.
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
}
