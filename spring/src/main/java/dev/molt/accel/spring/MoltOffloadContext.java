package dev.molt.accel.spring;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

/**
 * What an offloaded call knows about its invocation: the entry, the method, its resolved arguments
 * and, when the call serves an HTTP request, that request. Given to payload builders, response
 * factories, hooks and cancel checks. Read-only; safe to read from any thread while the call runs.
 */
public interface MoltOffloadContext {

    /** The export called. */
    String entry();

    /** The annotated method. */
    Method method();

    /**
     * The method's arguments by parameter name (the name given in {@code @RequestParam},
     * {@code @PathVariable} and the like, else the compiled name, else {@code argN}), in declaration
     * order. Unmodifiable; values may be {@code null}.
     */
    Map<String, Object> arguments();

    /** The argument named {@code name}, or {@code null}. */
    default Object argument(String name) {
        return arguments().get(name);
    }

    /**
     * The first value of request parameter {@code name} (query string, and form fields on Spring
     * MVC), or {@code null} when there is none or no request.
     */
    String parameter(String name);

    /** All values of request parameter {@code name}; empty when none. */
    List<String> parameterValues(String name);

    /** The first value of request header {@code name}, or {@code null}. */
    String header(String name);

    /**
     * The underlying request as {@code type}: {@code jakarta.servlet.http.HttpServletRequest} on
     * Spring MVC; {@code ServerWebExchange} or {@code ServerHttpRequest} on WebFlux. {@code null} when
     * the call serves no request of that type.
     */
    <T> T nativeRequest(Class<T> type);
}
