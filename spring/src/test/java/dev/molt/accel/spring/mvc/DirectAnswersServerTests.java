package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.testsupport.TestWorkers;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.AsyncHandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Pass-through answers over a real Tomcat: written and completed on a container thread without the
 * async dispatch (the handler chain runs once), byte for byte, under concurrency; answers that need a
 * conversion still take the dispatch; {@code molt.accel.direct-answers=false} sends every answer
 * through it.
 */
class DirectAnswersServerTests {

    /** Counts the handler chain's passes per path: preHandle runs again in an async dispatch. */
    @Configuration(proxyBeanMethods = false)
    static class Passes implements WebMvcConfigurer {

        static final Map<String, AtomicInteger> PRE = new ConcurrentHashMap<>();
        static final Map<String, AtomicInteger> AFTER = new ConcurrentHashMap<>();

        @Override
        public void addInterceptors(InterceptorRegistry registry) {
            registry.addInterceptor(new AsyncHandlerInterceptor() {
                @Override
                public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
                    PRE.computeIfAbsent(request.getRequestURI(), k -> new AtomicInteger()).incrementAndGet();
                    return true;
                }

                @Override
                public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
                        Exception ex) {
                    AFTER.computeIfAbsent(request.getRequestURI(), k -> new AtomicInteger()).incrementAndGet();
                }
            });
        }

        static int pre(String path) {
            AtomicInteger n = PRE.get(path);
            return n == null ? 0 : n.get();
        }

        static int after(String path) {
            AtomicInteger n = AFTER.get(path);
            return n == null ? 0 : n.get();
        }
    }

    abstract static class Base {

        @DynamicPropertySource
        static void worker(DynamicPropertyRegistry registry) {
            TestWorkers.register(registry, TestWorkers.command());
        }

        @LocalServerPort
        int port;

        ExecutorService executor;
        HttpClient http;

        @BeforeEach
        void client() {
            Passes.PRE.clear();
            Passes.AFTER.clear();
            executor = Executors.newFixedThreadPool(8);
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(executor)
                    .connectTimeout(Duration.ofSeconds(10)).build();
        }

        @AfterEach
        void stop() {
            executor.shutdownNow();
        }

        HttpResponse<byte[]> get(String pathAndQuery) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        }

        void assertPassThroughAnswers() throws Exception {
            HttpResponse<byte[]> json = get("/mvc/passthrough");
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(json.body()).isEqualTo(MvcTestApp.RawJsonPayload.JSON.getBytes(StandardCharsets.UTF_8));
            assertThat(json.headers().firstValueAsLong("Content-Length")).hasValue(json.body().length);
            HttpResponse<byte[]> raw = get("/mvc/raw?name=x");
            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(raw.headers().firstValue("Content-Type")).hasValue("application/msgpack");
            assertThat(Payloads.decode(Codec.MSGPACK, raw.body())).isEqualTo(Map.of("name", "x"));
        }
    }

    @Nested
    @SpringBootTest(classes = {MvcTestApp.class, Passes.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "molt.accel.pool-size=2")
    @DirtiesContext
    class Direct extends Base {

        @Autowired
        dev.molt.accel.client.MoltClient client;

        @Test
        void aPassThroughAnswerIsWrittenWithoutTheAsyncDispatch() throws Exception {
            assertPassThroughAnswers();
            // afterCompletion of a request without a dispatch never runs: preHandle ran once per request
            await().atMost(Duration.ofSeconds(10)).until(() -> Passes.pre("/mvc/raw") == 1);
            assertThat(Passes.pre("/mvc/passthrough")).isEqualTo(1);
            assertThat(Passes.after("/mvc/passthrough")).isZero();
        }

        @Test
        void anAnswerToConvertStillTakesTheDispatch() throws Exception {
            HttpResponse<byte[]> echo = get("/mvc/echo?name=bolt&qty=3");
            assertThat(echo.statusCode()).isEqualTo(200);
            assertThat(new String(echo.body(), StandardCharsets.UTF_8)).contains("\"name\":\"bolt\"");
            await().atMost(Duration.ofSeconds(10)).until(() -> Passes.after("/mvc/echo") == 1);
            assertThat(Passes.pre("/mvc/echo")).isEqualTo(2);
            // a failure too (the worker's deadline here): its error body comes from the dispatch
            HttpResponse<byte[]> late = get("/mvc/sleep?ms=5000");
            assertThat(late.statusCode()).isEqualTo(504);
            assertThat(new String(late.body(), StandardCharsets.UTF_8)).contains("\"error\"");
        }

        @Test
        void concurrentAnswersReachTheirOwnRequests() throws Exception {
            List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String name = "n" + i;
                answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/mvc/raw?name=" + name)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (int i = 0; i < answers.size(); i++) {
                HttpResponse<byte[]> r = answers.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(Payloads.decode(Codec.MSGPACK, r.body())).isEqualTo(Map.of("name", "n" + i));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlight() == 0);
        }
    }

    /** A filter that buffers the body and writes it (with an ETag) in its own async-dispatch pass. */
    @Configuration(proxyBeanMethods = false)
    static class Etags {

        @org.springframework.context.annotation.Bean
        org.springframework.web.filter.ShallowEtagHeaderFilter etagFilter() {
            return new org.springframework.web.filter.ShallowEtagHeaderFilter();
        }
    }

    @Nested
    @SpringBootTest(classes = {MvcTestApp.class, Passes.class, Etags.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    @DirtiesContext
    class BehindAResponseWrappingFilter extends Base {

        @Test
        void theAnswerTakesTheDispatchSoTheFilterWritesIt() throws Exception {
            assertPassThroughAnswers();
            HttpResponse<byte[]> json = get("/mvc/passthrough");
            assertThat(json.headers().firstValue("ETag")).isPresent();
            await().atMost(Duration.ofSeconds(10)).until(() -> Passes.after("/mvc/raw") == 1);
            assertThat(Passes.pre("/mvc/raw")).isEqualTo(2);
        }
    }

    @Nested
    @SpringBootTest(classes = {MvcTestApp.class, Passes.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "molt.accel.direct-answers=false")
    @DirtiesContext
    class ThroughTheDispatch extends Base {

        @Test
        void everyAnswerTakesTheAsyncDispatch() throws Exception {
            assertPassThroughAnswers();
            await().atMost(Duration.ofSeconds(10)).until(() -> Passes.after("/mvc/raw") == 1);
            assertThat(Passes.pre("/mvc/raw")).isEqualTo(2);
            assertThat(Passes.pre("/mvc/passthrough")).isEqualTo(2);
            assertThat(Passes.after("/mvc/passthrough")).isEqualTo(1);
        }
    }
}
