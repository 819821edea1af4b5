package dev.molt.accel.spring;

import dev.molt.accel.spring.internal.RequestOffloadContext;
import dev.molt.accel.spring.internal.ServletRequestView;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Contexts for running a {@link MoltPayloadBuilder} outside an offloaded call, for example an
 * in-process twin of an offloaded endpoint that must read the request exactly as the offloaded one.
 */
public final class MoltOffloadContexts {

    private MoltOffloadContexts() {
    }

    /**
     * The context of a call to {@code entry} with {@code arguments} (named as the method's parameters)
     * serving {@code request}; its method is the request's handler method, if Spring MVC resolved one.
     */
    public static MoltOffloadContext of(String entry, Map<String, Object> arguments, HttpServletRequest request) {
        Object handler = request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
        return new RequestOffloadContext(entry, handler instanceof HandlerMethod hm ? hm.getMethod() : null,
                arguments, new ServletRequestView(request));
    }
}
