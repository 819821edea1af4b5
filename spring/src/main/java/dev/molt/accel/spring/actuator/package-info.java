/**
 * The starter's Actuator endpoint {@code molt} ({@link dev.molt.accel.spring.actuator.MoltEndpoint})
 * and its extension point ({@link dev.molt.accel.spring.actuator.MoltEndpointSection}). Loaded only
 * with Spring Boot Actuator on the class path.
 */
package dev.molt.accel.spring.actuator;
