package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.MoltHttpError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers failures of offloaded calls on Spring MVC with {@code {"error", "detail"}} JSON
 * (PROTOCOL.md section 11). Ordered after Spring's own resolvers, so an application's
 * {@code @ExceptionHandler} for these exceptions still wins.
 */
public final class MoltHandlerExceptionResolver implements HandlerExceptionResolver, Ordered {

    private static final Logger log = LoggerFactory.getLogger(MoltHandlerExceptionResolver.class);

    private final MoltErrorMapper mapper;
    private final int defaultBusyStatus;

    public MoltHandlerExceptionResolver(MoltErrorMapper mapper, int defaultBusyStatus) {
        this.mapper = mapper;
        this.defaultBusyStatus = defaultBusyStatus;
    }

    @Override
    public int getOrder() {
        return 1;
    }

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception ex) {
        Object busy = request.getAttribute(MvcOffloadSupport.BUSY_STATUS_ATTRIBUTE);
        MoltHttpError error = mapper.map(ex, busy instanceof Integer i ? i : defaultBusyStatus);
        if (error == null) {
            return null;
        }
        MoltErrorLogging.answered(ex, error);
        write(response, error);
        return new ModelAndView();
    }

    /** Writes {@code error} as the answer, unless the response is committed already. */
    static void write(HttpServletResponse response, MoltHttpError error) {
        if (response.isCommitted()) {
            return;
        }
        try {
            response.resetBuffer();
            response.setStatus(error.status());
            response.setContentType("application/json");
            if (error.retryAfterSeconds() != null) {
                response.setHeader("Retry-After", Long.toString(error.retryAfterSeconds()));
            }
            byte[] body = error.body();
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        } catch (IOException | IllegalStateException e) {
            log.debug("Could not write the {} answer: {}", error.status(), e.toString());
        }
    }
}
