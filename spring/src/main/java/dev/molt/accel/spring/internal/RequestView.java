package dev.molt.accel.spring.internal;

import java.util.List;

/** The parts of an HTTP request that offload contexts expose, whatever the web stack. */
public interface RequestView {

    /** Key of the view in a Reactor context. */
    Object CONTEXT_KEY = RequestView.class.getName();

    /** No request. */
    RequestView NONE = new RequestView() {
        @Override
        public String parameter(String name) {
            return null;
        }

        @Override
        public List<String> parameterValues(String name) {
            return List.of();
        }

        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public <T> T nativeRequest(Class<T> type) {
            return null;
        }
    };

    String parameter(String name);

    List<String> parameterValues(String name);

    String header(String name);

    <T> T nativeRequest(Class<T> type);
}
