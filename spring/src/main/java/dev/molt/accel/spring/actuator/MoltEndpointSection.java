package dev.molt.accel.spring.actuator;

/**
 * Extra content of the {@code molt} Actuator endpoint, under {@code sections.<name>}: declare beans
 * of this type (an application's own timings, say). {@link #content()} is called on each read of
 * the endpoint, on an Actuator thread: it must be thread-safe and return something Jackson can
 * write, holding nothing secret.
 */
public interface MoltEndpointSection {

    /** The key of the section. */
    String name();

    /** The section's content now. */
    Object content();
}
