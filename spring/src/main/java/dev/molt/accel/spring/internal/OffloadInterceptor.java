package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltResult;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The advice on {@code @MoltOffload} methods. It picks how to serve the invocation: asynchronously
 * as the handler of the current Spring MVC request, as a {@code Mono} for methods returning one
 * (WebFlux handlers), or blocking for any other caller.
 */
public final class OffloadInterceptor implements MethodInterceptor {

    private static final Logger log = LoggerFactory.getLogger(OffloadInterceptor.class);

    private final Supplier<OffloadRegistry> registry;

    public OffloadInterceptor(Supplier<OffloadRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        OffloadRegistry reg = registry.get();
        OffloadPlan plan = reg.plan(invocation.getMethod());
        if (plan == null) {
            return invocation.proceed();
        }
        OffloadWebSupport web = reg.web();
        if (plan.shape().mono()) {
            return ReactiveOffload.mono(reg, plan, invocation, web == null ? RequestView.NONE : web.currentRequest());
        }
        if (web != null) {
            Object served = web.dispatch(reg, plan, invocation);
            if (served != OffloadWebSupport.NOT_HANDLED) {
                return served;
            }
        }
        return direct(reg, plan, invocation, web == null ? RequestView.NONE : web.currentRequest());
    }

    private static Object direct(OffloadRegistry reg, OffloadPlan plan, MethodInvocation invocation, RequestView request)
            throws Throwable {
        OffloadContextImpl context = new OffloadContextImpl(plan, invocation.getArguments(), request);
        MoltResult result;
        try {
            result = reg.offloader().call(plan, context);
        } catch (MoltAccelException e) {
            if (plan.fallsBackOn(e)) {
                log.debug("Call to '{}' failed ({}); running {} in-process", plan.entry(), e.errorCode(),
                        plan.method().getName());
                return invocation.proceed();
            }
            throw e;
        }
        return ResponseDecision.directValue(plan, context, result);
    }
}
