package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A worker that answers {@code __ping__} but garbles every call: after
 * {@code molt.accel.health.failure-threshold} protocol errors in a row the {@code molt} indicator is
 * DOWN ({@code calls_failing}); the next successful call makes it UP again.
 */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoint.health.show-details=always",
            "molt.accel.health.failure-threshold=3",
        })
@DirtiesContext
class HealthFailingCallsTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltClient moltClient;

    /**
     * A protocol error replaces the worker: the next call waits for its successor, whose JVM may
     * take longer than the endpoint's deadline to start on a loaded machine (a 503, not the 502
     * under test).
     */
    private void awaitAWorker() {
        await().atMost(Duration.ofSeconds(60)).until(() -> moltClient.stats().workers() >= 1);
    }

    @Test
    void repeatedProtocolErrorsMakeHealthDownUntilACallSucceeds() throws Exception {
        assertThat(get("/actuator/health/molt/default").status()).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
            awaitAWorker();
            assertThat(get("/mvc/garbage").status()).isEqualTo(502);
        }
        assertThat(get("/actuator/health/molt/default").status()).as("below the threshold").isEqualTo(200);
        awaitAWorker();
        assertThat(get("/mvc/garbage").status()).isEqualTo(502);

        // the health counts a call's outcome through the client's listener, which may hear of it
        // just after the answer was written
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/actuator/health/molt/default").status() == 503);
        RawHttp.Answer down = get("/actuator/health/molt/default");
        assertThat(down.status()).as(down.body()).isEqualTo(503);
        Map<String, Object> molt = HealthGroupsTests.json(down);
        assertThat(molt).containsEntry("status", "DOWN");
        assertThat(molt.get("details")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("reason", "calls_failing").containsEntry("consecutiveFailures", 3);

        awaitAWorker();
        assertThat(get("/mvc/echo?name=ok").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/actuator/health/molt/default").status() == 200);
        RawHttp.Answer up = get("/actuator/health/molt/default");
        assertThat(up.status()).as(up.body()).isEqualTo(200);
        assertThat(HealthGroupsTests.json(up)).containsEntry("status", "UP");
    }

    private RawHttp.Answer get(String path) throws Exception {
        return RawHttp.send(port, ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), 30_000);
    }
}
