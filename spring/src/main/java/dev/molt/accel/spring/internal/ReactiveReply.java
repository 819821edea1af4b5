package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltResult;

/**
 * What an offloaded {@code Mono} emits to the WebFlux result handler: the call's result with its
 * context, or the return value of the method body that ran as fallback.
 */
public final class ReactiveReply {

    /** Key in the Reactor context asking the offloaded {@code Mono} to emit replies. */
    public static final Object CONTEXT_KEY = ReactiveReply.class.getName();

    private final OffloadContextImpl context;
    private final MoltResult result;
    private final boolean fallback;
    private final Object fallbackValue;

    private ReactiveReply(OffloadContextImpl context, MoltResult result, boolean fallback, Object fallbackValue) {
        this.context = context;
        this.result = result;
        this.fallback = fallback;
        this.fallbackValue = fallbackValue;
    }

    static ReactiveReply success(OffloadContextImpl context, MoltResult result) {
        return new ReactiveReply(context, result, false, null);
    }

    static ReactiveReply fallback(Object value) {
        return new ReactiveReply(null, null, true, value);
    }

    public OffloadContextImpl context() {
        return context;
    }

    public MoltResult result() {
        return result;
    }

    public boolean isFallback() {
        return fallback;
    }

    /** The method body's return value (a {@code Mono}, or {@code null}). */
    public Object fallbackValue() {
        return fallbackValue;
    }
}
