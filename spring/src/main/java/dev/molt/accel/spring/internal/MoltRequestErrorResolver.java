package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltHttpError;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltRequestTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.CharacterCodingException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers malformed requests to offloaded endpoints (unreadable, too large or too deeply nested
 * bodies, wrong content types, query values that are not valid UTF-8 or of the wrong type, failed
 * validation) with the same
 * {@code {"error", "detail"}} JSON as every other failure of those endpoints, instead of the
 * framework's default error page. Other handlers are left alone. The detail names the kind of
 * problem only: parser messages can quote the input and are not shown.
 */
public final class MoltRequestErrorResolver implements HandlerExceptionResolver, Ordered {

    /** What Tomcat throws for a parameter whose bytes do not decode (a query that is not UTF-8). */
    private static final String INVALID_PARAMETER = "org.apache.tomcat.util.http.InvalidParameterException";

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception ex) {
        if (!(handler instanceof HandlerMethod method)
                || !AnnotatedElementUtils.hasAnnotation(method.getMethod(), MoltOffload.class)) {
            return null;
        }
        MoltHttpError error = map(ex);
        if (error == null) {
            return null;
        }
        MoltHandlerExceptionResolver.write(response, error);
        return new ModelAndView();
    }

    static MoltHttpError map(Exception ex) {
        String code = "MoltInvalidInput";
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MoltRequestTooLargeException tooLarge) {
                // refused while the body was read, whichever parser was reading it
                return new MoltHttpError(413, "MoltPayloadTooLarge", tooLarge.getMessage(), null);
            }
            if (t instanceof CharacterCodingException || INVALID_PARAMETER.equals(t.getClass().getName())) {
                // the servlet container could not decode a query or form parameter
                return new MoltHttpError(400, code, "The request contains malformed characters.", null);
            }
        }
        if (ex instanceof HttpMediaTypeNotSupportedException) {
            return new MoltHttpError(415, code, "Unsupported content type.", null);
        }
        if (ex instanceof HttpMediaTypeNotAcceptableException) {
            return new MoltHttpError(406, code, "No acceptable representation.", null);
        }
        if (ex instanceof HttpMessageNotReadableException) {
            return new MoltHttpError(400, code, "The request body could not be read.", null);
        }
        if (ex instanceof MethodArgumentTypeMismatchException mismatch) {
            return new MoltHttpError(400, code, "Invalid value for '" + mismatch.getName() + "'.", null);
        }
        if (ex instanceof MethodArgumentNotValidException || ex instanceof HandlerMethodValidationException) {
            return new MoltHttpError(400, code, "The request failed validation.", null);
        }
        if (ex instanceof ServletRequestBindingException) {
            return new MoltHttpError(400, code, "A required request value is missing or invalid.", null);
        }
        return null;
    }
}
