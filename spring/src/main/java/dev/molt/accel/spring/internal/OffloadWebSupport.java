package dev.molt.accel.spring.internal;

import org.aopalliance.intercept.MethodInvocation;

/** What the active web stack adds to offloaded invocations. */
public interface OffloadWebSupport {

    /** Returned by {@link #dispatch} when the invocation is not one the web stack serves. */
    Object NOT_HANDLED = new Object();

    WebStack webStack();

    /** The request being served on this thread, or {@link RequestView#NONE}. */
    RequestView currentRequest();

    /**
     * Serves {@code invocation} asynchronously when it is the handler invocation of the current
     * request, returning what the proxy returns; else {@link #NOT_HANDLED}.
     */
    Object dispatch(OffloadRegistry registry, OffloadPlan plan, MethodInvocation invocation) throws Exception;
}
