package dev.molt.accel.spring.internal;

import java.util.List;
import org.springframework.web.server.ServerWebExchange;

/** A WebFlux exchange seen through {@link RequestView}: query parameters and headers. */
final class ExchangeRequestView implements RequestView {

    private final ServerWebExchange exchange;

    ExchangeRequestView(ServerWebExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public String parameter(String name) {
        return exchange.getRequest().getQueryParams().getFirst(name);
    }

    @Override
    public List<String> parameterValues(String name) {
        List<String> values = exchange.getRequest().getQueryParams().get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    @Override
    public String header(String name) {
        return exchange.getRequest().getHeaders().getFirst(name);
    }

    @Override
    public <T> T nativeRequest(Class<T> type) {
        if (type.isInstance(exchange)) {
            return type.cast(exchange);
        }
        return type.isInstance(exchange.getRequest()) ? type.cast(exchange.getRequest()) : null;
    }
}
