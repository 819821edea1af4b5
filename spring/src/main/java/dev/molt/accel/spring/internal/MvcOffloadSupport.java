package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltResult;
import dev.molt.accel.client.MoltTimeoutException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Serves offloaded Spring MVC handler methods asynchronously. When the intercepted invocation is the
 * handler of the current request, it sends the call, starts {@link DeferredResult} processing (the
 * servlet thread is released) and returns {@code null}; the {@link MvcReply} then arrives in the
 * async dispatch; a pass-through answer (the worker's bytes, untouched) is instead written on a container
 * thread and the request completed without that second dispatch ({@link MvcDirectAnswer}). A container
 * error (an HTTP/2 reset or closed connection), an async time-out or the request's completion cancels the call.
 *
 * <p>A fresh {@link ModelAndViewContainer} is the processing context: offloaded handlers write
 * bodies, never views, so the model of the first dispatch is not needed.
 */
public final class MvcOffloadSupport implements OffloadWebSupport {

    /** Request attribute holding the busy status of the offloaded handler. */
    public static final String BUSY_STATUS_ATTRIBUTE = MvcOffloadSupport.class.getName() + ".busyStatus";

    private final boolean directAnswers;

    /** Pass-through answers are written without an async dispatch. */
    public MvcOffloadSupport() {
        this(true);
    }

    /**
     * @param directAnswers whether pass-through answers (the worker's bytes, untouched) are written
     *     and the request completed on a container thread without a second pass through the filters,
     *     the {@code DispatcherServlet} and its {@code HandlerInterceptor}s; every other answer (a value to
     *     convert, a failure, a fallback) takes Spring's async dispatch either way
     */
    public MvcOffloadSupport(boolean directAnswers) {
        this.directAnswers = directAnswers;
    }

    @Override
    public WebStack webStack() {
        return WebStack.SERVLET;
    }

    @Override
    public RequestView currentRequest() {
        RequestAttributes ra = RequestContextHolder.getRequestAttributes();
        return ra instanceof ServletRequestAttributes sra ? new ServletRequestView(sra.getRequest()) : RequestView.NONE;
    }

    @Override
    public Object dispatch(OffloadRegistry registry, OffloadPlan plan, MethodInvocation invocation) throws Exception {
        if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes sra)) {
            return NOT_HANDLED;
        }
        HttpServletRequest request = sra.getRequest();
        if (!(request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE) instanceof HandlerMethod hm)
                || !isHandler(hm, invocation.getMethod()) || !request.isAsyncSupported()) {
            return NOT_HANDLED;
        }
        WebAsyncManager async = WebAsyncUtils.getAsyncManager(request);
        if (async.isConcurrentHandlingStarted() || async.hasConcurrentResult()) {
            return NOT_HANDLED;
        }
        request.setAttribute(BUSY_STATUS_ATTRIBUTE, plan.busyStatus());
        OffloadContextImpl context = new OffloadContextImpl(plan, invocation.getArguments(), new ServletRequestView(request));
        CompletableFuture<MoltResult> call = registry.offloader().start(plan, context);
        DeferredResult<Object> deferred = plan.asyncTimeoutMillis() > 0
                ? new DeferredResult<>(plan.asyncTimeoutMillis()) : new DeferredResult<>();
        Runnable cancel = cancelOnce(call);
        MvcDirectAnswer answer = new MvcDirectAnswer();
        deferred.onTimeout(() -> {
            // the answer first: cancelling completes the call, whose stage would answer 499 (cancelled)
            if (answer.claimForSpring()) {
                deferred.setResult(new MvcReply(context, hm, invocation, null, new MoltTimeoutException(
                        "The request timed out while '" + plan.entry() + "' was running", plan.entry(), 0, null)));
            }
            cancel.run();
        });
        deferred.onError(t -> cancel.run());
        deferred.onCompletion(cancel);
        try {
            async.startDeferredResultProcessing(deferred, new ModelAndViewContainer());
        } catch (Exception | Error e) {
            cancel.run();
            throw e;
        }
        AsyncContext direct = directAnswers ? MvcDirectAnswer.contextFor(request) : null;
        call.whenComplete((r, e) -> {
            if (direct != null && e == null) {
                ResponseDecision.Bytes bytes = ResponseDecision.passThrough(plan, r);
                if (bytes != null && answer.write(direct, bytes)) {
                    return;
                }
            }
            if (answer.claimForSpring()) {
                deferred.setResult(new MvcReply(context, hm, invocation, r, e == null ? null : Offloader.unwrap(e, plan.entry())));
            }
        });
        return null;
    }

    /**
     * Cancels {@code call} at most once and only while it runs: the async time-out, error and
     * completion callbacks may all fire, and a cancel of a finished call must not count as one.
     */
    private static Runnable cancelOnce(CompletableFuture<MoltResult> call) {
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (!call.isDone() && done.compareAndSet(false, true)) {
                call.cancel(true);
            }
        };
    }

    private static boolean isHandler(HandlerMethod hm, Method method) {
        return hm.getMethod().equals(method) || org.springframework.core.BridgeMethodResolver.findBridgedMethod(hm.getMethod()).equals(method);
    }
}
