package dev.molt.accel.demo;

import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/moltworker}: {@code GET} answers the worker-side queue and exec time percentiles
 * per entry since the last reset ({@link WorkerTimings#snapshot()}); {@code DELETE} resets them. The
 * HTTP benchmark resets before each run and reads after it.
 */
@Endpoint(id = "moltworker")
public class WorkerTimingsEndpoint {

    private final WorkerTimings timings;

    public WorkerTimingsEndpoint(WorkerTimings timings) {
        this.timings = timings;
    }

    @ReadOperation
    public Map<String, Object> timings() {
        return timings.snapshot();
    }

    @DeleteOperation
    public void reset() {
        timings.reset();
    }
}
