package dev.molt.accel.spring.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;

/** A servlet request seen through {@link RequestView}. */
public final class ServletRequestView implements RequestView {

    private final HttpServletRequest request;

    public ServletRequestView(HttpServletRequest request) {
        this.request = request;
    }

    @Override
    public String parameter(String name) {
        return request.getParameter(name);
    }

    @Override
    public List<String> parameterValues(String name) {
        String[] values = request.getParameterValues(name);
        return values == null ? List.of() : List.of(values);
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public <T> T nativeRequest(Class<T> type) {
        return type.isInstance(request) ? type.cast(request) : null;
    }
}
