package dev.molt.accel.spring.internal;

import java.util.Map;

/** Records the worker metrics of each answer (queue and exec time). Fast, never throws. */
@FunctionalInterface
public interface WorkerMetricsRecorder {

    void record(String entry, Map<String, Object> metrics);
}
