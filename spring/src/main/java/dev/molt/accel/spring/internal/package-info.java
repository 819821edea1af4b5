/**
 * Implementation of the starter. Not API: types here may change in any release. The core
 * ({@code OffloadPlan}, {@code Offloader}, {@code OffloadContextImpl}) knows nothing of web stacks;
 * {@code Mvc*} and {@code Reactive*} classes adapt it to Spring MVC and WebFlux and are loaded only
 * when that stack is present.
 */
package dev.molt.accel.spring.internal;
