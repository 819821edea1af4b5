package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltOffloadContext;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

/**
 * A context built outside an offloaded call, for running a payload builder in-process: the given
 * entry, method and arguments, and a request read through {@code request}.
 */
public record RequestOffloadContext(String entry, Method method, Map<String, Object> arguments, RequestView request)
        implements MoltOffloadContext {

    @Override
    public String parameter(String name) {
        return request.parameter(name);
    }

    @Override
    public List<String> parameterValues(String name) {
        return request.parameterValues(name);
    }

    @Override
    public String header(String name) {
        return request.header(name);
    }

    @Override
    public <T> T nativeRequest(Class<T> type) {
        return request.nativeRequest(type);
    }
}
