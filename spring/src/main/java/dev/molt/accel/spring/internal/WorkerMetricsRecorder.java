package dev.molt.accel.spring.internal;

import java.util.Map;

/** Records the worker metrics of each answer (queue and exec time). Fast, never throws. */
@FunctionalInterface
public interface WorkerMetricsRecorder {

    /** Records the metrics of an answer of pool {@code pool}'s export {@code entry}. */
    void record(String pool, String entry, Map<String, Object> metrics);
}
