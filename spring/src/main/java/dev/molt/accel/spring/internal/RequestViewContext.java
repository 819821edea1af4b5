package dev.molt.accel.spring.internal;

import dev.molt.accel.spring.MoltOffloadContext;
import java.util.List;

/** A context whose request parameters, headers and native request are read through a {@link RequestView}. */
public interface RequestViewContext extends MoltOffloadContext {

    RequestView request();

    @Override
    default String parameter(String name) {
        return request().parameter(name);
    }

    @Override
    default List<String> parameterValues(String name) {
        return request().parameterValues(name);
    }

    @Override
    default String header(String name) {
        return request().header(name);
    }

    @Override
    default <T> T nativeRequest(Class<T> type) {
        return request().nativeRequest(type);
    }
}
