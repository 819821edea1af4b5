package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.MoltHttpError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;

/**
 * Answers failures of offloaded calls on Spring MVC with {@code {"error", "detail"}} JSON
 * (PROTOCOL.md section 11). It sits in Spring MVC's own chain of resolvers, right after the one of
 * {@code @ExceptionHandler} methods (so an application's handler for these exceptions still wins)
 * and before the {@code DefaultHandlerExceptionResolver}, which takes any exception whose message
 * or cause reads like a client disconnect ("Broken pipe", "Connection reset by peer", an
 * {@code EOFException}) for one and answers nothing: an empty 200. A worker's pipe breaking, a
 * worker's own error text, or a query value quoted in an invalid-input message must not pass for
 * the HTTP client going away.
 */
public final class MoltHandlerExceptionResolver implements HandlerExceptionResolver {

    private static final Logger log = LoggerFactory.getLogger(MoltHandlerExceptionResolver.class);

    private final MoltErrorMapper mapper;
    private final int defaultBusyStatus;

    public MoltHandlerExceptionResolver(MoltErrorMapper mapper, int defaultBusyStatus) {
        this.mapper = mapper;
        this.defaultBusyStatus = defaultBusyStatus;
    }

    /**
     * Adds this resolver to Spring MVC's chain {@code resolvers}: after the
     * {@link ExceptionHandlerExceptionResolver}, or first when the chain has none.
     */
    public void insertInto(List<HandlerExceptionResolver> resolvers) {
        int at = 0;
        for (int i = 0; i < resolvers.size(); i++) {
            if (resolvers.get(i) instanceof ExceptionHandlerExceptionResolver) {
                at = i + 1;
                break;
            }
        }
        resolvers.add(at, this);
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
