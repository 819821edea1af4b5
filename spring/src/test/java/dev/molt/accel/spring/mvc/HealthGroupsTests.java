package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.testsupport.FlakyStartWorker;
import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A worker that cannot start: the {@code molt} indicator is DOWN and in the readiness group, so the
 * instance leaves traffic, while liveness stays UP; its details are counts and a reason code only.
 */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoint.health.probes.enabled=true",
            "management.endpoint.health.show-details=always",
            "molt.accel.worker.restart-backoff=10ms",
            "molt.accel.worker.restart-backoff-max=50ms",
            "molt.accel.worker.start-timeout=5s",
        })
@DirtiesContext
class HealthGroupsTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        // the gate file never exists: the worker exits before its readiness ping, every time
        List<String> command = TestWorkers.javaCommand(FlakyStartWorker.class);
        TestWorkers.register(registry, command);
        registry.add("molt.accel.worker.environment.MOLT_TEST_GATE", () -> "no-such-gate-" + ProcessHandle.current().pid());
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltClient moltClient;

    @Test
    void aDeadWorkerFailsReadinessNotLiveness() throws Exception {
        RawHttp.Answer liveness = get("/actuator/health/liveness");
        assertThat(liveness.status()).as(liveness.body()).isEqualTo(200);
        assertThat(json(liveness)).containsEntry("status", "UP");

        RawHttp.Answer readiness = get("/actuator/health/readiness");
        assertThat(readiness.status()).as(readiness.body()).isEqualTo(503);
        // the probe groups show no components; readinessState is UP once started, so DOWN is molt's
        assertThat(json(readiness)).containsEntry("status", "DOWN");
        assertThat(json(get("/actuator/health/readinessState"))).containsEntry("status", "UP");
    }

    @Test
    void healthDetailsCarryNoCommandLinePidOrPath() throws Exception {
        RawHttp.Answer health = get("/actuator/health/molt/default");
        assertThat(health.status()).isEqualTo(503);
        Map<String, Object> molt = json(health);
        assertThat(molt).containsEntry("status", "DOWN");
        @SuppressWarnings("unchecked")
        Map<String, Object> details = (Map<String, Object>) molt.get("details");
        assertThat(details).containsEntry("reason", "worker_unavailable");
        assertThat(details.keySet()).isSubsetOf("reason", "workers", "inFlight", "calls", "restarts", "cancels",
                "size", "spares", "recycles", "probeReplacements", "consecutiveFailures");
        for (Object v : details.values()) {
            assertThat(v).isInstanceOfAny(Number.class, String.class);
        }
        String text = health.body();
        assertThat(text).doesNotContain("/").doesNotContain("java").doesNotContain(FlakyStartWorker.class.getSimpleName())
                .doesNotContain("no-such-gate").doesNotContain("pid");
        assertThat(moltClient.stats().lastFailure()).as("the reason stays available to the application").isNotBlank();
    }

    private RawHttp.Answer get(String path) throws Exception {
        return RawHttp.send(port, ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), 30_000);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(RawHttp.Answer a) throws Exception {
        return JSON.readValue(a.body(), Map.class);
    }
}
