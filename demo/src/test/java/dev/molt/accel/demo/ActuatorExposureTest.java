package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The demo's Actuator as configured: health answers status only to anonymous clients, liveness and
 * readiness exist, and no exposed endpoint accepts a request that changes state.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ActuatorExposureTest {

    private static final List<String> EXPOSED = List.of("/actuator/health", "/actuator/health/readiness", "/actuator/info",
            "/actuator/metrics", "/actuator/prometheus", "/actuator/moltworker", "/actuator/molt", "/actuator/molt/default");

    @LocalServerPort
    int port;

    @Test
    void healthShowsNoDetailsToAnonymousClients() {
        Http.Answer health = Http.get(port, "/actuator/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.text()).contains("\"status\":\"UP\"").doesNotContain("components").doesNotContain("details")
                .doesNotContain("molt");
        assertThat(Http.get(port, "/actuator/health/molt").status()).as("components are not shown").isEqualTo(404);
        assertThat(Http.get(port, "/actuator/health/liveness").text()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(Http.get(port, "/actuator/health/readiness").text()).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void noExposedEndpointChangesState() {
        for (String path : EXPOSED) {
            assertThat(Http.get(port, path).status()).as("GET %s", path).isEqualTo(200);
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
                HttpRequest request = Http.request(port, path).header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString("{}")).build();
                assertThat(Http.send(request).status()).as("%s %s", method, path).isIn(404, 405);
            }
        }
    }
}
