package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltRequestTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.function.Supplier;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.WebUtils;

/**
 * Refuses requests to offloaded handlers whose declared body is larger than the limit, before their
 * arguments are read (413), and arms the body stream counter of {@link MvcRequestSizeFilter} for
 * them, so that a body without a length (chunked) is refused as soon as it passes the limit.
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
        if (!(handler instanceof HandlerMethod hm) || !registry.get().isOffloaded(hm.getMethod())) {
            return true;
        }
        long length = request.getContentLengthLong();
        if (length > maxBytes) {
            throw new MoltRequestTooLargeException(maxBytes, length);
        }
        LimitedBodyRequest limited = WebUtils.getNativeRequest(request, LimitedBodyRequest.class);
        if (limited != null) {
            limited.arm(maxBytes);
        }
        return true;
    }
}
