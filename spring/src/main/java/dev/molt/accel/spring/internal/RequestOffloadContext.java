package dev.molt.accel.spring.internal;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * A context built outside an offloaded call, for running a payload builder in-process: the given
 * entry, method and arguments, and a request read through {@code request}.
 */
public record RequestOffloadContext(String entry, Method method, Map<String, Object> arguments, RequestView request)
        implements RequestViewContext {
}
