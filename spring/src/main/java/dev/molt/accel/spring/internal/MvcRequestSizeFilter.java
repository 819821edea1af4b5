package dev.molt.accel.spring.internal;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Wraps every request's body stream in a counting one ({@link LimitedBodyRequest}), which
 * {@link MvcRequestSizeInterceptor} arms with {@code molt.accel.max-request-size} once the handler
 * is known to be an offloaded one: a body without {@code Content-Length} (chunked) is then refused
 * with 413 while it is read, before any parser buffers it. Other requests pass with their stream
 * counted, never limited. Ordered late, so that filters which wrap the request themselves read
 * through it.
 */
public final class MvcRequestSizeFilter extends OncePerRequestFilter implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 100;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(new LimitedBodyRequest(request), response);
    }
}
