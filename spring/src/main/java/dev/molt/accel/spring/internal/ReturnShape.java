package dev.molt.accel.spring.internal;

import java.lang.reflect.Type;

/**
 * What an offloaded method returns, resolved once: whether it is a {@code Mono}, whether the body is
 * wrapped in a {@code ResponseEntity}, and the body type the worker result becomes.
 *
 * @param mono the method returns {@code Mono<...>}
 * @param responseEntity the (unwrapped) return type is an {@code HttpEntity}/{@code ResponseEntity}
 * @param bodyType the type the result converts to
 * @param voidBody the body type is {@code void}/{@code Void}: the result bytes are written as they came
 * @param bytesBody the body type is {@code byte[]}: the result bytes, as they came
 * @param passThroughJson the body type needs no conversion ({@code Object}, {@code Map}, a JSON tree): a
 *     JSON result is written through untouched
 */
public record ReturnShape(boolean mono, boolean responseEntity, Type bodyType, boolean voidBody, boolean bytesBody,
        boolean passThroughJson) {
}
