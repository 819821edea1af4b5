package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltRequestTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.function.Supplier;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses requests to offloaded handlers whose declared body is larger than the limit, before their
 * arguments are read (413). Bodies without a length are checked once encoded, by the offloader.
 */
public final class MvcRequestSizeInterceptor implements HandlerInterceptor {

    private final Supplier<OffloadRegistry> registry;
    private final long maxBytes;

    public MvcRequestSizeInterceptor(Supplier<OffloadRegistry> registry, long maxBytes) {
        this.registry = registry;
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        long length = request.getContentLengthLong();
        if (length > maxBytes && handler instanceof HandlerMethod hm && registry.get().isOffloaded(hm.getMethod())) {
            throw new MoltRequestTooLargeException(maxBytes, length);
        }
        return true;
    }
}
