package dev.molt.accel.spring.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.internal.FailedCallLog;
import dev.molt.accel.spring.internal.ObservedCalls;
import dev.molt.accel.spring.mvc.MvcTestApp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.slf4j.LoggerFactory;

/**
 * Over a real Tomcat and worker: the {@code molt} Actuator endpoint (pools, workers, counters, last
 * failure, configuration without secrets), worker stderr under the pool's logger, the rate-limited
 * WARN of failed calls, and the call observation through Boot's {@code ObservationRegistry}.
 */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoints.web.exposure.include=health,molt",
    "molt.accel.worker.environment.MOLT_O14_SECRET=hunter2",
})
@DirtiesContext
class ObservabilityServerTests {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    @Autowired
    MoltClient client;

    @Autowired
    ApplicationContext context;

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readValue(r.body(), Map.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theMoltEndpointShowsThePoolsWorkersAndConfigurationWithoutSecrets() throws Exception {
        assertThat(get("/mvc/echo?name=a&qty=2").statusCode()).isEqualTo(200);
        Map<String, Object> all = json("/actuator/molt");
        Map<String, Object> pool = (Map<String, Object>) ((Map<String, Object>) all.get("pools")).get("default");
        assertThat(pool).containsEntry("clientMode", "shared").containsEntry("workersTakingCalls", 1)
                .containsEntry("restarts", 0);
        assertThat(((Number) pool.get("calls")).longValue()).isPositive();
        List<Map<String, Object>> workers = (List<Map<String, Object>>) pool.get("workers");
        assertThat(workers).singleElement().satisfies(w -> {
            assertThat(w.get("id")).isEqualTo(Long.toString(client.stats().pids().get(0)));
            assertThat(w.get("state")).isEqualTo("ready");
            assertThat(w).containsEntry("position", 0).containsEntry("positionRestarts", 0)
                    .containsEntry("positionRecycles", 0);
            assertThat(((Number) w.get("calls")).longValue()).isPositive();
            if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status"))) {
                assertThat(((Number) w.get("rssBytes")).longValue()).isGreaterThan(1 << 20);
            }
        });
        Map<String, Object> config = (Map<String, Object>) pool.get("configuration");
        assertThat((Map<String, Object>) config.get("worker")).containsEntry("commandSet", true)
                .containsEntry("environmentVariables", 1);
        String text = get("/actuator/molt").body();
        assertThat(text).doesNotContain("hunter2", "MOLT_O14_SECRET", "TestWorker", "-cp", System.getProperty("java.home"));
        assertThat(json("/actuator/molt/default")).containsKey("workers");
        assertThat(get("/actuator/molt/nope").statusCode()).isEqualTo(404);
    }

    @Test
    @SuppressWarnings("unchecked")
    void failedCallsAreSummarisedAtWarnAndShownAsTheLastFailure() throws Exception {
        ListAppender<ILoggingEvent> errors = capture(FailedCallLog.LOGGER);
        for (int i = 0; i < 5; i++) {
            try {
                client.call("fail", Map.of("message", "secret detail " + i),
                        dev.molt.accel.client.CallOptions.builder().timeoutMs(30_000).build());
            } catch (MoltAccelException expected) {
                assertThat(expected.errorCode()).isEqualTo("MoltInternalError");
            }
        }
        List<String> warns = errors.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("'fail'")).toList();
        assertThat(warns).singleElement().asString().contains("MoltInternalError", "'default'")
                .doesNotContain("secret detail");
        Map<String, Object> pool = (Map<String, Object>) ((Map<String, Object>) json("/actuator/molt").get("pools"))
                .get("default");
        Map<String, Object> last = (Map<String, Object>) ((Map<String, Object>) pool.get("lastFailure")).get("call");
        assertThat(last).containsEntry("entry", "fail").containsEntry("outcome", "MoltInternalError");
        assertThat(get("/actuator/molt").body()).doesNotContain("secret detail");
    }

    @Test
    void workerStderrLinesLandUnderThePoolsLoggerWithThePid() {
        ListAppender<ILoggingEvent> stderr = capture("dev.molt.accel.worker.stderr.default");
        client.call("print", Map.of("text", "o14 line on stderr"),
                dev.molt.accel.client.CallOptions.builder().timeoutMs(30_000).build());
        String pid = Long.toString(client.stats().pids().get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> stderr.list.stream()
                .anyMatch(e -> e.getFormattedMessage().equals("[worker " + pid + "] o14 line on stderr")));
    }

    @Test
    void callsAreObservedThroughTheApplicationsRegistry() throws Exception {
        assertThat(context.getBeansOfType(ObservedCalls.class)).hasSize(1);
        assertThat(get("/mvc/echo?name=b&qty=3").statusCode()).isEqualTo(200);
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.find("molt.accel.call").tag("entry", "echo")
                .tag("outcome", "ok").tag("worker", "default").tag("transport", "stdio").timer() != null);
        // the listener's timer is recorded after the future completed (and the observation stopped)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(meters.find("molt.accel.calls").tag("entry", "echo").timer()).isNotNull());
    }

    private static ListAppender<ILoggingEvent> capture(String name) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }
}
