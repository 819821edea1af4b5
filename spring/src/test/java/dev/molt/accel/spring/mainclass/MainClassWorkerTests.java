package dev.molt.accel.spring.mainclass;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltPools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code molt.accel.worker.main-class} and {@code molt.accel.workers.<name>.worker.main-class}: the
 * application's own worker class, in its test sources, runs as a real worker process with the
 * test's class path (Surefire's), for the default pool and for a named pool, with no command line
 * anywhere in the configuration.
 */
@SpringBootTest(classes = MainClassWorkerTests.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "molt.accel.timeout=10s",
            "molt.accel.worker.main-class=dev.molt.accel.spring.mainclass.GreetingWorker",
            "molt.accel.workers.own.worker.main-class= dev.molt.accel.spring.mainclass.GreetingWorker ",
            "molt.accel.workers.own.worker.java-options=-Xmx64m",
            "molt.accel.workers.own.eager-start=true",
        })
@DirtiesContext
class MainClassWorkerTests {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    MoltPools pools;

    @Test
    void theDefaultPoolAndANamedPoolRunTheApplicationsOwnWorkerClass() throws Exception {
        HttpResponse<String> dflt = get("/greet?name=ada");
        assertThat(dflt.statusCode()).as(dflt.body()).isEqualTo(200);
        assertThat(dflt.body()).contains("\"hello\":\"ada\"");

        HttpResponse<String> own = get("/own/greet?name=grace");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.body()).contains("\"hello\":\"grace\"");

        MoltClient ownPool = pools.pool("own");
        MoltClient defaultPool = pools.defaultPool();
        assertThat(ownPool).isNotSameAs(defaultPool);
        List<Long> ownPids = ownPool.stats().pids();
        assertThat(ownPids).hasSize(1);
        assertThat(own.body()).contains("\"pid\":" + ownPids.get(0));
        // each pool's worker is a child of this JVM, started from the test class path
        ProcessHandle worker = ProcessHandle.of(ownPids.get(0)).orElseThrow();
        assertThat(worker.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
        // the worker's own command line, as the kernel has it (ProcessHandle.Info leaves long ones out)
        String commandLine = new String(Files.readAllBytes(Path.of("/proc", ownPids.get(0).toString(), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ').trim();
        assertThat(commandLine).contains("-Xmx64m").endsWith(GreetingWorker.class.getName());
    }

    @Test
    void theWorkersOwnValidationIsABadRequest() throws Exception {
        HttpResponse<String> blank = get("/greet?name=");
        assertThat(blank.statusCode()).as(blank.body()).isEqualTo(400);
        assertThat(blank.body()).contains("MoltInvalidInput");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Greetings.class)
    static class App {
    }

    @RestController
    static class Greetings {

        @GetMapping("/greet")
        @MoltOffload(entry = "greet", idempotent = true)
        public Map<String, Object> greet(@RequestParam("name") String name) {
            throw new UnsupportedOperationException("served by the worker");
        }

        @GetMapping("/own/greet")
        @MoltOffload(entry = "greet", worker = "own", idempotent = true)
        public Map<String, Object> ownGreet(@RequestParam("name") String name) {
            throw new UnsupportedOperationException("served by the worker");
        }
    }
}
