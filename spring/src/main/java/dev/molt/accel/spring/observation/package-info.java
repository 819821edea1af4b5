/**
 * Micrometer Observation of offloaded calls: {@link dev.molt.accel.spring.observation.MoltCallContext},
 * the {@link dev.molt.accel.spring.observation.MoltObservationConvention} (default
 * {@link dev.molt.accel.spring.observation.DefaultMoltObservationConvention}) and the documented keys
 * ({@link dev.molt.accel.spring.observation.MoltObservationDocumentation}). Loaded only when
 * {@code micrometer-observation} is on the class path.
 */
package dev.molt.accel.spring.observation;
