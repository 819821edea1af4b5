package dev.molt.accel.spring.internal;

import org.aopalliance.intercept.MethodInvocation;

/** WebFlux: handler methods return a {@code Mono} that {@link ReactiveOffloadResultHandler} writes. */
public final class ReactiveOffloadSupport implements OffloadWebSupport {

    /** Exchange attribute holding the busy status of the offloaded handler. */
    public static final String BUSY_STATUS_ATTRIBUTE = ReactiveOffloadSupport.class.getName() + ".busyStatus";

    @Override
    public WebStack webStack() {
        return WebStack.REACTIVE;
    }

    @Override
    public RequestView currentRequest() {
        return RequestView.NONE;
    }

    @Override
    public Object dispatch(OffloadRegistry registry, OffloadPlan plan, MethodInvocation invocation) {
        return NOT_HANDLED;
    }
}
