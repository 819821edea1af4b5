package dev.molt.accel.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * The names and key values of offloaded-call observations. Declare a bean of this type to replace
 * {@link DefaultMoltObservationConvention} (or extend it to add keys), as with Spring's own
 * instrumentations. Implementations must be thread-safe.
 */
public interface MoltObservationConvention extends ObservationConvention<MoltCallContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof MoltCallContext;
    }
}
