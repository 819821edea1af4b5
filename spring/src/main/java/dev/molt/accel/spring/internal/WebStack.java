package dev.molt.accel.spring.internal;

/** The web stack that serves offloaded handler methods. */
public enum WebStack {
    SERVLET,
    REACTIVE,
    NONE
}
