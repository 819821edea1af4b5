package dev.molt.accel.demo;

import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/moltworker}: {@code GET} answers the worker-side queue and exec time percentiles
 * per entry since the last reset ({@link WorkerTimings#snapshot()}). Read-only: an exposed endpoint
 * must not let anyone change the application's state. {@link Resettable} adds {@code DELETE} (reset)
 * when {@code demo.moltworker.reset-enabled=true}, for the HTTP benchmark, which resets before each
 * run and reads after it.
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

    /** The endpoint with {@code DELETE /actuator/moltworker}, which forgets the timings recorded so far. */
    @Endpoint(id = "moltworker")
    public static class Resettable extends WorkerTimingsEndpoint {

        private final WorkerTimings resettable;

        public Resettable(WorkerTimings timings) {
            super(timings);
            this.resettable = timings;
        }

        @DeleteOperation
        public void reset() {
            resettable.reset();
        }
    }
}
