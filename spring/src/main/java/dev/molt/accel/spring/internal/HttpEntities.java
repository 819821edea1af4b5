package dev.molt.accel.spring.internal;

import org.springframework.http.ResponseEntity;

/** Wraps bodies in {@code ResponseEntity}; loaded only when spring-web is present. */
final class HttpEntities {

    private HttpEntities() {
    }

    static Object ok(Object body) {
        return ResponseEntity.ok(body);
    }
}
