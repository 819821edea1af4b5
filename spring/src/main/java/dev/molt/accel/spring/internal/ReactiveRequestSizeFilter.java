package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltRequestTooLargeException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Refuses bodies larger than the limit sent to offloaded WebFlux handlers (413): at once when the
 * declared length is too large, else as soon as the bytes read pass the limit. Requests whose
 * declared length fits pass untouched.
 */
public final class ReactiveRequestSizeFilter implements WebFilter, Ordered {

    private final Supplier<OffloadRegistry> registry;
    private final long maxBytes;

    public ReactiveRequestSizeFilter(Supplier<OffloadRegistry> registry, long maxBytes) {
        this.registry = registry;
        this.maxBytes = maxBytes;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        long length = request.getHeaders().getContentLength();
        if (length >= 0 && length <= maxBytes) {
            return chain.filter(exchange);
        }
        ServerHttpRequest limited = new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
                if (!offloaded(exchange)) {
                    return super.getBody();
                }
                if (length > maxBytes) {
                    return Flux.error(new MoltRequestTooLargeException(maxBytes, length));
                }
                AtomicLong seen = new AtomicLong();
                return super.getBody().map(buffer -> {
                    if (seen.addAndGet(buffer.readableByteCount()) > maxBytes) {
                        DataBufferUtils.release(buffer);
                        throw new MoltRequestTooLargeException(maxBytes, -1);
                    }
                    return buffer;
                });
            }
        };
        return chain.filter(exchange.mutate().request(limited).build());
    }

    private boolean offloaded(ServerWebExchange exchange) {
        return exchange.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE) instanceof HandlerMethod hm
                && registry.get().isOffloaded(hm.getMethod());
    }
}
