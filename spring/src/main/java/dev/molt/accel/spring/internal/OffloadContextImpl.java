package dev.molt.accel.spring.internal;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The context of one offloaded call. Immutable apart from the lazily built argument map. */
public final class OffloadContextImpl implements RequestViewContext {

    private final OffloadPlan plan;
    private final Object[] args;
    private final RequestView request;
    private volatile Map<String, Object> arguments;

    public OffloadContextImpl(OffloadPlan plan, Object[] args, RequestView request) {
        this.plan = plan;
        this.args = args == null ? new Object[0] : args;
        this.request = request == null ? RequestView.NONE : request;
    }

    public OffloadPlan plan() {
        return plan;
    }

    /** The raw argument array (not copied). */
    Object[] args() {
        return args;
    }

    @Override
    public RequestView request() {
        return request;
    }

    @Override
    public String entry() {
        return plan.entry();
    }

    @Override
    public Method method() {
        return plan.method();
    }

    @Override
    public Map<String, Object> arguments() {
        Map<String, Object> m = arguments;
        if (m == null) {
            String[] names = plan.parameterNames();
            Map<String, Object> built = new LinkedHashMap<>(names.length * 2);
            for (int i = 0; i < names.length && i < args.length; i++) {
                built.put(names[i], args[i]);
            }
            m = Collections.unmodifiableMap(built);
            arguments = m;
        }
        return m;
    }

    @Override
    public Object argument(String name) {
        String[] names = plan.parameterNames();
        for (int i = 0; i < names.length && i < args.length; i++) {
            if (names[i].equals(name)) {
                return args[i];
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "MoltOffloadContext[entry=" + plan.entry() + ", method=" + plan.method().getName() + "]";
    }
}
