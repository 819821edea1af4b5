package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Two pools in one application, with real worker processes behind a real server: the default pool
 * runs the bundled Java worker (no command configured), the {@code test} pool two processes of the
 * test worker. Each endpoint reaches its own pool; both pools start with the application; health
 * has one component per pool; meters and gauges carry the pool's name.
 */
@SpringBootTest(classes = NamedPoolsServerTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoint.health.show-details=always",
            "molt.accel.timeout=5s",
            "molt.accel.workers.test.pool-size=2",
            "molt.accel.workers.test.eager-start=true",
        })
@DirtiesContext
class NamedPoolsServerTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        List<String> command = TestWorkers.command();
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            registry.add("molt.accel.workers.test.worker.command[" + i + "]", () -> arg);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltPools pools;

    @Autowired
    MoltClient defaultClient;

    @Autowired
    MeterRegistry meters;

    @Test
    void eachEndpointReachesItsPoolAndEveryPoolIsStartedHealthCheckedAndMetered() throws Exception {
        // started with the application, before any request
        MoltClient test = pools.pool("test");
        List<Long> testPids = test.stats().pids();
        List<Long> defaultPids = defaultClient.stats().pids();
        assertThat(testPids).hasSize(2);
        assertThat(defaultPids).hasSize(1);
        assertThat(TestWorkers.descendants()).containsAll(testPids).containsAll(defaultPids);
        assertThat(pools.defaultPool()).isSameAs(defaultClient);
        // the start-up check's __exports__ is a control question: not counted
        assertThat(test.stats().calls()).isZero();

        RawHttp.Answer bundled = get("/pools/bundled");
        assertThat(bundled.status()).as(bundled.body()).isEqualTo(200);
        assertThat(HealthGroupsTests.json(bundled)).containsEntry("ok", true);
        RawHttp.Answer echo = get("/pools/test?name=x");
        assertThat(echo.status()).as(echo.body()).isEqualTo(200);
        assertThat(HealthGroupsTests.json(echo)).containsEntry("name", "x");
        assertThat(test.stats().calls()).isEqualTo(1);
        assertThat(defaultClient.stats().calls()).isEqualTo(1);

        RawHttp.Answer health = get("/actuator/health/molt");
        assertThat(health.status()).as(health.body()).isEqualTo(200);
        Map<String, Object> molt = HealthGroupsTests.json(health);
        assertThat(molt).containsEntry("status", "UP");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> components = (Map<String, Map<String, Object>>) molt.get("components");
        assertThat(components).containsOnlyKeys("default", "test");
        assertThat(components.get("test")).containsEntry("status", "UP");
        assertThat(components.get("test").get("details")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("workers", 2);
        assertThat(components.get("default").get("details")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("workers", 1);
        assertThat(health.body()).doesNotContain("pid").doesNotContain("java").doesNotContain("/");

        // listeners hear of a call on the client's callback thread, maybe after the answer was written
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(meters.find("molt.accel.calls").tag("worker", "default").tag("entry", "health").timer())
                    .isNotNull().satisfies(t -> assertThat(t.count()).isEqualTo(1));
            assertThat(meters.find("molt.accel.calls").tag("worker", "test").tag("entry", "echo").timer())
                    .isNotNull().satisfies(t -> assertThat(t.count()).isEqualTo(1));
            assertThat(meters.find("molt.accel.worker.exec").tag("worker", "test").tag("entry", "echo").summary())
                    .isNotNull().satisfies(d -> assertThat(d.count()).isEqualTo(1));
        });
        assertThat(meters.get("molt.accel.workers").tag("worker", "test").gauge().value()).isEqualTo(2);
        assertThat(meters.get("molt.accel.workers").tag("worker", "default").gauge().value()).isEqualTo(1);
        assertThat(meters.get("molt.accel.calls.in.flight").tag("worker", "test").gauge().value()).isZero();
        assertThat(meters.get("molt.accel.restarts").tag("worker", "test").counter().count()).isZero();
        assertThat(test.stats().pids()).as("the same processes served").containsExactlyInAnyOrderElementsOf(testPids);
    }

    private RawHttp.Answer get(String path) throws Exception {
        return RawHttp.send(port, ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), 30_000);
    }

    /** The application: one endpoint per pool. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(App.PoolsController.class)
    static class App {

        @RestController
        static class PoolsController {

            /** The bundled worker's {@code health} export, on the default pool. */
            @GetMapping("/pools/bundled")
            @MoltOffload(entry = "health", codec = "json")
            public Map<String, Object> bundled() {
                throw new UnsupportedOperationException("served by the worker");
            }

            /** The test worker's {@code echo} export, on the {@code test} pool. */
            @GetMapping("/pools/test")
            @MoltOffload(entry = "echo", worker = "test")
            public Map<String, Object> test(@RequestParam("name") String name) {
                throw new UnsupportedOperationException("served by the worker");
            }
        }
    }
}
