package dev.molt.accel.spring;

import java.util.Map;

/**
 * Receives the metrics of each answer to an offloaded call: the worker's (PROTOCOL.md section 7,
 * such as {@code queue_us} and {@code exec_us}) plus the client's ({@code client_ms},
 * {@code payload_bytes}, {@code response_bytes}). Runs on the worker's reader thread; must be fast
 * and must not throw.
 */
@FunctionalInterface
public interface MoltMetricsHook {

    void metrics(MoltOffloadContext context, Map<String, Object> metrics);
}
