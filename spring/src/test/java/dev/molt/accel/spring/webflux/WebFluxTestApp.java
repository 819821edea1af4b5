package dev.molt.accel.spring.webflux;

import dev.molt.accel.spring.MoltCancelCheck;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.testsupport.DemoPayloadBuilders.ListItemsPayloadBuilder;
import dev.molt.accel.spring.testsupport.CallProbe;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** The WebFlux application of the WebTestClient and raw-socket tests. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(WebFluxTestApp.FluxController.class)
public class WebFluxTestApp {

    /** A record body. */
    public record Item(String name, int qty) {
    }

    @Bean
    CallProbe callProbe() {
        return new CallProbe();
    }

    /** Cancels when the request carries {@code X-Cancel: yes}; reads the request through the context. */
    @Bean
    MoltCancelCheck headerCancelCheck() {
        return ctx -> {
            ServerHttpRequest request = ctx.nativeRequest(ServerHttpRequest.class);
            return request != null && "yes".equals(request.getHeaders().getFirst("X-Cancel"));
        };
    }

    @RestController
    @RequestMapping("/flux")
    public static class FluxController {

        private static <T> Mono<T> notRun() {
            return Mono.error(new AssertionError("the body of an offloaded method must not run"));
        }

        @GetMapping("/echo")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Mono<Map<String, Object>> echo(@RequestParam String name, @RequestParam(defaultValue = "1") int qty) {
            return notRun();
        }

        @PostMapping("/record")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Mono<Item> record(@RequestBody Item item) {
            return notRun();
        }

        @PostMapping("/entity")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Mono<ResponseEntity<Item>> entity(@RequestBody Item item) {
            return notRun();
        }

        @GetMapping("/list")
        @MoltOffload(entry = "list_items", timeoutMs = 5000, payloadBuilder = ListItemsPayloadBuilder.class)
        public Mono<Map<String, Object>> list() {
            return notRun();
        }

        @GetMapping("/sleep")
        @MoltOffload(entry = "sleep", timeoutMs = 60_000)
        public Mono<Map<String, Object>> sleep(@RequestParam long ms, @RequestParam(defaultValue = "true") boolean cooperative) {
            return notRun();
        }

        @GetMapping("/touch-hold")
        @MoltOffload(entry = "touch", timeoutMs = 60_000)
        public Mono<Map<String, Object>> touchHold(@RequestParam String file, @RequestParam("sleep_ms") long sleepMs) {
            return notRun();
        }

        @GetMapping("/timeout")
        @MoltOffload(entry = "sleep", timeoutMs = 200)
        public Mono<Map<String, Object>> timeout(@RequestParam long ms, @RequestParam(defaultValue = "true") boolean cooperative) {
            return notRun();
        }

        @GetMapping("/fail")
        @MoltOffload(entry = "fail", timeoutMs = 5000)
        public Mono<Map<String, Object>> fail(@RequestParam String message) {
            return notRun();
        }

        @GetMapping("/crash")
        @MoltOffload(entry = "crash", timeoutMs = 5000)
        public Mono<Map<String, Object>> crash() {
            return notRun();
        }

        @GetMapping("/garbage")
        @MoltOffload(entry = "garbage", timeoutMs = 5000)
        public Mono<Map<String, Object>> garbage() {
            return notRun();
        }

        @GetMapping("/unknown")
        @MoltOffload(entry = "no_such_export", timeoutMs = 5000)
        public Mono<Map<String, Object>> unknown() {
            return notRun();
        }

        @GetMapping("/cancellable")
        @MoltOffload(entry = "sleep", timeoutMs = 10_000, cancelCheck = "headerCancelCheck")
        public Mono<Map<String, Object>> cancellable(@RequestParam long ms, @RequestParam boolean cooperative) {
            return notRun();
        }

        @GetMapping("/fallback")
        @MoltOffload(entry = "crash", timeoutMs = 5000, allowFallback = true)
        public Mono<ResponseEntity<Map<String, Object>>> fallback() {
            return Mono.just(ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("fallback", true)));
        }

        @GetMapping("/raw")
        @MoltOffload(entry = "echo", timeoutMs = 5000, decodeResponse = false)
        public Mono<Map<String, Object>> raw(@RequestParam String name) {
            return notRun();
        }
    }
}
