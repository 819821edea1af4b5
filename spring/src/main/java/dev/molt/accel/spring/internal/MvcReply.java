package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltResult;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.web.method.HandlerMethod;

/**
 * The concurrent result of an offloaded Spring MVC request, handled in the async dispatch by
 * {@link MvcOffloadReturnValueHandler}.
 *
 * @param context the call's context
 * @param handlerMethod the handler, for the return value types of the values handed back to Spring
 * @param invocation the intercepted invocation, for running the method body as fallback
 * @param result the result, or {@code null} on failure
 * @param failure the failure, or {@code null} on success
 */
record MvcReply(OffloadContextImpl context, HandlerMethod handlerMethod, MethodInvocation invocation, MoltResult result,
        Throwable failure) {

    @Override
    public String toString() {
        return "MvcReply[entry=" + context.entry() + ", " + (failure == null ? "ok" : failure.getClass().getSimpleName())
                + "]";
    }
}
