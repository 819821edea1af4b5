package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * With health details shown to everyone ({@code show-details=always}), the {@code molt} indicator
 * still carries no command line, process id or path; and with {@code demo.moltworker.reset-enabled}
 * (as the HTTP benchmark starts the demo) {@code DELETE /actuator/moltworker} resets the timings.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoint.health.show-details=always",
    "demo.moltworker.reset-enabled=true",
})
class HealthDetailsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @Test
    @SuppressWarnings("unchecked")
    void moltDetailsAreCountsAndStatesOnly() {
        Http.get(port, "/offload/?user_id=5");
        Http.Answer health = Http.get(port, "/actuator/health");
        assertThat(health.status()).isEqualTo(200);
        Map<String, Object> components = (Map<String, Object>) JSON.readValue(health.body(), Map.class).get("components");
        Map<String, Object> molt = (Map<String, Object>) components.get("molt");
        assertThat(molt).containsEntry("status", "UP");
        // one component per worker pool; the demo has the default pool only
        Map<String, Object> pools = (Map<String, Object>) molt.get("components");
        assertThat(pools).containsOnlyKeys("default");
        Map<String, Object> details = (Map<String, Object>) ((Map<String, Object>) pools.get("default")).get("details");
        assertThat(details.keySet()).containsExactlyInAnyOrder("workers", "inFlight", "calls", "restarts", "cancels",
                "size", "spares", "recycles", "probeReplacements", "consecutiveFailures");
        String text = JSON.writeValueAsString(molt);
        assertThat(text).doesNotContain("/").doesNotContain("java").doesNotContain("MoltWorkerMain")
                .doesNotContain("pid").doesNotContain("stderr");
        for (Object v : details.values()) {
            assertThat(v).isInstanceOf(Number.class);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void timingsResetWhenEnabled() {
        Http.getUntilOk(port, "/offload/?user_id=5");
        assertThat(Http.send(Http.request(port, "/actuator/moltworker").DELETE().build()).status()).isEqualTo(204);
        Map<String, Object> reset = (Map<String, Object>) JSON.readValue(Http.get(port, "/actuator/moltworker").body(),
                Map.class).get("list_items");
        assertThat(((Number) reset.get("count")).longValue()).isZero();
    }
}
