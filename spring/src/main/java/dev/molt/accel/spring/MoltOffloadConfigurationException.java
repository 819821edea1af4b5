package dev.molt.accel.spring;

/**
 * A {@code @MoltOffload} method cannot be offloaded as declared (an unknown codec, a primitive
 * return type, a hook bean that does not exist, ...). Thrown while the application starts; the
 * message names the method and the problem.
 */
public class MoltOffloadConfigurationException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public MoltOffloadConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
