package dev.molt.accel.example.app;

import java.util.List;

/**
 * The answer of the Python worker's {@code compute} export, as the endpoint returns it.
 *
 * @param count number of values
 * @param sum sum of the scaled values
 * @param scaled each value times scale plus offset
 */
public record ComputeResult(int count, double sum, List<Double> scaled) {
}
