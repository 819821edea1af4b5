package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltAccelException;
import jakarta.servlet.http.HttpServletResponse;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.core.MethodParameter;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandlerComposite;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * First return value handler of the {@code RequestMappingHandlerAdapter}. In the async dispatch of an
 * offloaded request it turns the {@link MvcReply} into the answer: the result bytes written as they
 * came, a value handed to Spring's own handlers (message converters, {@code ResponseEntity}), the
 * method body's value on fallback, or the failure thrown for the exception resolvers. Any other value
 * of an offloaded method goes to Spring's handlers unchanged.
 */
public final class MvcOffloadReturnValueHandler implements HandlerMethodReturnValueHandler {

    private static final Logger log = LoggerFactory.getLogger(MvcOffloadReturnValueHandler.class);

    private final HandlerMethodReturnValueHandlerComposite delegate;
    private final Supplier<OffloadRegistry> registry;

    public MvcOffloadReturnValueHandler(HandlerMethodReturnValueHandlerComposite delegate,
            Supplier<OffloadRegistry> registry) {
        this.delegate = delegate;
        this.registry = registry;
    }

    @Override
    public boolean supportsReturnType(MethodParameter returnType) {
        return returnType.getParameterType() == MvcReply.class
                || (returnType.getMethod() != null && registry.get().isOffloaded(returnType.getMethod()));
    }

    @Override
    public void handleReturnValue(Object returnValue, MethodParameter returnType, ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest) throws Exception {
        if (returnValue instanceof MvcReply reply) {
            handleReply(reply, mavContainer, webRequest);
            return;
        }
        if (returnValue == null && WebAsyncUtils.getAsyncManager(webRequest).isConcurrentHandlingStarted()) {
            return;
        }
        delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
    }

    private void handleReply(MvcReply reply, ModelAndViewContainer mav, NativeWebRequest webRequest) throws Exception {
        OffloadPlan plan = reply.context().plan();
        Throwable failure = reply.failure();
        if (failure != null) {
            if (plan.fallsBackOn(failure) && reply.invocation() instanceof ProxyMethodInvocation pmi) {
                log.debug("Call to '{}' failed ({}); running {} in-process", plan.entry(),
                        ((MoltAccelException) failure).errorCode(), plan.method().getName());
                Object value = proceed(pmi);
                delegate.handleReturnValue(value, reply.handlerMethod().getReturnValueType(value), mav, webRequest);
                return;
            }
            throw failure instanceof Exception e ? e : Offloader.asMolt(failure, plan.entry());
        }
        ResponseDecision decision = ResponseDecision.of(plan, reply.context(), reply.result());
        if (decision instanceof ResponseDecision.Bytes bytes) {
            HttpServletResponse response = webRequest.getNativeResponse(HttpServletResponse.class);
            response.setContentType(bytes.contentType());
            response.setContentLength(bytes.bytes().length);
            response.getOutputStream().write(bytes.bytes());
            mav.setRequestHandled(true);
            return;
        }
        Object value = ((ResponseDecision.Value) decision).value();
        delegate.handleReturnValue(value, reply.handlerMethod().getReturnValueType(value), mav, webRequest);
    }

    private static Object proceed(ProxyMethodInvocation invocation) throws Exception {
        try {
            return invocation.invocableClone().proceed();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
