package dev.molt.accel.spring.mvc;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.spring.MoltAfterRecv;
import dev.molt.accel.spring.MoltCancelCheck;
import dev.molt.accel.spring.MoltMetricsHook;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.spring.MoltResponseFactory;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderFactory;
import dev.molt.accel.spring.testsupport.DemoPayloadBuilders.ComputePayloadBuilder;
import dev.molt.accel.spring.testsupport.DemoPayloadBuilders.ListItemsPayloadBuilder;
import dev.molt.accel.spring.testsupport.DemoPayloadBuilders.OffloadTablePayloadBuilder;
import dev.molt.accel.spring.testsupport.CallProbe;
import dev.molt.accel.spring.testsupport.TestWorkers;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The Spring MVC application of the MockMvc and embedded-server tests. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({MvcTestApp.OffloadController.class, MvcTestApp.OwnErrorsController.class, MvcTestApp.EchoService.class})
public class MvcTestApp {

    /** A record body. */
    public record Item(@NotBlank String name, @Min(0) int qty) {
    }

    @Bean
    CallProbe callProbe() {
        return new CallProbe();
    }

    @Bean(destroyMethod = "close")
    @Primary
    MoltClient moltClient(MoltClientBuilderFactory builders) {
        return builders.newBuilder().build();
    }

    /** A worker that takes one call at a time and queues one more: the third concurrent call is Busy. */
    @Bean(destroyMethod = "close")
    MoltClient busyClient(MoltClientBuilderFactory builders) {
        MoltClient c = builders.newBuilder().command(TestWorkers.command("--max-queue", "1", "--threads", "1"))
                .poolSize(1).name("busy").build();
        c.start();
        return c;
    }

    @Bean
    MoltCancelCheck headerCancelCheck() {
        return ctx -> "yes".equals(ctx.header("X-Cancel"));
    }

    @Bean
    Consumer<RequestEnvelope> recordingBeforeSend() {
        return Hooks.SENT::add;
    }

    @Bean
    MoltMetricsHook recordingMetrics() {
        return (ctx, m) -> Hooks.METRICS.add(Map.copyOf(m));
    }

    /** What the hooks saw. */
    public static final class Hooks {
        public static final Queue<RequestEnvelope> SENT = new ConcurrentLinkedQueue<>();
        public static final Queue<ResponseEnvelope> RECEIVED = new ConcurrentLinkedQueue<>();
        public static final Queue<Map<String, Object>> METRICS = new ConcurrentLinkedQueue<>();

        private Hooks() {
        }
    }

    /** An after-receive hook given by class (instantiated by the starter). */
    public static final class RecordingAfterRecv implements MoltAfterRecv {
        @Override
        public void afterRecv(MoltOffloadContext context, ResponseEnvelope response) {
            Hooks.RECEIVED.add(response);
        }
    }

    /** Sends JSON bytes as they are, with unusual spacing, to prove the pass-through. */
    public static final class RawJsonPayload implements MoltPayloadBuilder {
        public static final String JSON = "{\"b\":  1, \"a\" : [1,2 ,3]}";

        @Override
        public Object build(MoltOffloadContext context) {
            return JSON.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Answers 201 with the entry in a header. */
    public static final class CreatedResponse implements MoltResponseFactory {
        @Override
        public Object create(MoltResult result, MoltOffloadContext context) {
            return ResponseEntity.status(HttpStatus.CREATED).header("X-Molt-Entry", context.entry())
                    .body(Map.of("echoed", result.as(Map.class)));
        }
    }

    /** A non-web bean: called directly, the offload blocks and returns the converted result. */
    @Service
    public static class EchoService {
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Item echo(Item item) {
            throw new AssertionError("the body of an offloaded method must not run");
        }
    }

    /** An offloaded handler whose controller answers the library's failures itself. */
    @RestController
    @RequestMapping("/own-errors")
    public static class OwnErrorsController {

        @GetMapping("/fail")
        @MoltOffload(entry = "fail", timeoutMs = 5000)
        public Map<String, Object> fail(@RequestParam String message) {
            throw new IllegalStateException("offloaded");
        }

        @ExceptionHandler(MoltAccelException.class)
        ResponseEntity<String> failed(MoltAccelException e) {
            return ResponseEntity.status(418).body("own answer: " + e.errorCode());
        }
    }

    @RestController
    @RequestMapping("/mvc")
    public static class OffloadController {

        private static Map<String, Object> notRun() {
            throw new AssertionError("the body of an offloaded method must not run");
        }

        @GetMapping("/echo")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Map<String, Object> echo(@RequestParam String name, @RequestParam(defaultValue = "1") int qty) {
            return notRun();
        }

        @GetMapping("/mono")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public reactor.core.publisher.Mono<Item> mono(@RequestParam String name, @RequestParam int qty) {
            return reactor.core.publisher.Mono.error(new AssertionError("not run"));
        }

        @PostMapping("/record")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Item record(@Valid @RequestBody Item item) {
            throw new AssertionError("not run");
        }

        @PostMapping("/entity")
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public ResponseEntity<Item> entity(@RequestBody Item item) {
            throw new AssertionError("not run");
        }

        @PostMapping("/created")
        @ResponseStatus(HttpStatus.CREATED)
        @MoltOffload(entry = "echo", timeoutMs = 5000)
        public Item created(@RequestBody Item item) {
            throw new AssertionError("not run");
        }

        @GetMapping("/list")
        @MoltOffload(entry = "list_items", timeoutMs = 5000, payloadBuilder = ListItemsPayloadBuilder.class)
        public Map<String, Object> list() {
            return notRun();
        }

        @GetMapping("/compute")
        @MoltOffload(entry = "compute", timeoutMs = 5000, payloadBuilder = ComputePayloadBuilder.class)
        public Map<String, Object> compute() {
            return notRun();
        }

        @PostMapping("/compute")
        @MoltOffload(entry = "compute", timeoutMs = 5000, payloadBuilder = ComputePayloadBuilder.class)
        public Map<String, Object> computeBody(@RequestBody Map<String, Object> body) {
            return notRun();
        }

        @GetMapping("/table")
        @MoltOffload(entry = "offload_table", codec = "json", timeoutMs = 5000,
                payloadBuilder = OffloadTablePayloadBuilder.class)
        public Map<String, Object> table() {
            return notRun();
        }

        @GetMapping("/passthrough")
        @MoltOffload(entry = "echo", codec = "json", timeoutMs = 5000, payloadBuilder = RawJsonPayload.class)
        public Map<String, Object> passThrough() {
            return notRun();
        }

        @GetMapping("/raw")
        @MoltOffload(entry = "echo", timeoutMs = 5000, decodeResponse = false)
        public Map<String, Object> raw(@RequestParam String name) {
            return notRun();
        }

        @GetMapping("/factory")
        @MoltOffload(entry = "echo", timeoutMs = 5000, responseFactory = CreatedResponse.class)
        public Map<String, Object> factory(@RequestParam String name) {
            return notRun();
        }

        @GetMapping("/hooks")
        @MoltOffload(entry = "echo", timeoutMs = 5000, beforeSend = "recordingBeforeSend",
                afterRecvClass = RecordingAfterRecv.class, metrics = "recordingMetrics")
        public Map<String, Object> hooks(@RequestParam String name) {
            return notRun();
        }

        @GetMapping("/sleep")
        @MoltOffload(entry = "sleep", timeoutMs = 200)
        public Map<String, Object> sleep(@RequestParam long ms, @RequestParam(defaultValue = "true") boolean cooperative) {
            return notRun();
        }

        @GetMapping("/hold")
        @MoltOffload(entry = "sleep", timeoutMs = 60_000)
        public Map<String, Object> hold(@RequestParam long ms, @RequestParam(defaultValue = "true") boolean cooperative) {
            return notRun();
        }

        @GetMapping("/touch-hold")
        @MoltOffload(entry = "touch", timeoutMs = 60_000)
        public Map<String, Object> touchHold(@RequestParam String file, @RequestParam("sleep_ms") long sleepMs) {
            return notRun();
        }

        @GetMapping("/hold-short")
        @MoltOffload(entry = "sleep", timeoutMs = 1500)
        public Map<String, Object> holdShort(@RequestParam long ms,
                @RequestParam(defaultValue = "true") boolean cooperative) {
            return notRun();
        }

        @GetMapping("/touch-slow")
        @MoltOffload(entry = "touch", timeoutMs = 10_000)
        public Map<String, Object> touchSlow(@RequestParam String file, @RequestParam("sleep_ms") long sleepMs) {
            return notRun();
        }

        @GetMapping("/fail")
        @MoltOffload(entry = "fail", timeoutMs = 5000)
        public Map<String, Object> fail(@RequestParam String message) {
            return notRun();
        }

        @GetMapping("/crash")
        @MoltOffload(entry = "crash", timeoutMs = 5000)
        public Map<String, Object> crash(@RequestParam(defaultValue = "7") int code) {
            return notRun();
        }

        @GetMapping("/garbage")
        @MoltOffload(entry = "garbage", timeoutMs = 5000)
        public Map<String, Object> garbage() {
            return notRun();
        }

        @GetMapping("/unknown")
        @MoltOffload(entry = "no_such_export", timeoutMs = 5000)
        public Map<String, Object> unknown() {
            return notRun();
        }

        @GetMapping("/reject")
        @MoltOffload(entry = "reject", timeoutMs = 5000)
        public Map<String, Object> reject(@RequestParam String message) {
            return notRun();
        }

        @GetMapping("/invalid")
        @MoltOffload(entry = "invalid", timeoutMs = 5000)
        public Map<String, Object> invalid(@RequestParam String message) {
            return notRun();
        }

        @GetMapping("/cancellable")
        @MoltOffload(entry = "sleep", timeoutMs = 10_000, cancelCheck = "headerCancelCheck")
        public Map<String, Object> cancellable(@RequestParam long ms, @RequestParam boolean cooperative) {
            return notRun();
        }

        @GetMapping("/busy")
        @MoltOffload(entry = "sleep", client = "busyClient", timeoutMs = 10_000)
        public Map<String, Object> busy(@RequestParam long ms) {
            return notRun();
        }

        @GetMapping("/busy-touch")
        @MoltOffload(entry = "touch", client = "busyClient", timeoutMs = 10_000)
        public Map<String, Object> busyTouch(@RequestParam String file, @RequestParam("sleep_ms") long sleepMs) {
            return notRun();
        }

        @GetMapping("/busy503")
        @MoltOffload(entry = "sleep", client = "busyClient", timeoutMs = 10_000, busyStatus = 503)
        public Map<String, Object> busy503(@RequestParam long ms) {
            return notRun();
        }

        @GetMapping("/busy-retry")
        @MoltOffload(entry = "sleep", client = "busyClient", timeoutMs = 10_000, retryOnBusy = MoltOffload.Flag.TRUE,
                maxRetries = 200, retryBackoffMs = 20, retryBackoffMaxMs = 50)
        public Map<String, Object> busyRetry(@RequestParam long ms) {
            return notRun();
        }

        @GetMapping("/touch")
        @MoltOffload(entry = "touch", timeoutMs = 10_000, idempotent = true)
        public Map<String, Object> touchIdempotent(@RequestParam String file,
                @RequestParam("crash_if_first") boolean crashIfFirst) {
            return notRun();
        }

        @GetMapping("/touch-once")
        @MoltOffload(entry = "touch", timeoutMs = 10_000)
        public Map<String, Object> touchOnce(@RequestParam String file,
                @RequestParam("crash_if_first") boolean crashIfFirst) {
            return notRun();
        }

        @GetMapping("/touch-timeout")
        @MoltOffload(entry = "touch", timeoutMs = 150, idempotent = true, retryOnTimeout = MoltOffload.Flag.TRUE,
                maxRetries = 2, retryBackoffMs = 1, retryBackoffMaxMs = 1)
        public Map<String, Object> touchTimeout(@RequestParam String file, @RequestParam("sleep_ms") long sleepMs) {
            return notRun();
        }

        @GetMapping("/fallback/crash")
        @MoltOffload(entry = "crash", timeoutMs = 5000, allowFallback = true)
        public Map<String, Object> fallbackCrash(@RequestParam(defaultValue = "9") int code) {
            return Map.of("fallback", true, "code", code);
        }

        @GetMapping("/fallback/timeout")
        @MoltOffload(entry = "sleep", timeoutMs = 100, allowFallback = true)
        public ResponseEntity<Map<String, Object>> fallbackTimeout(@RequestParam long ms) {
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("fallback", "timeout"));
        }

        @GetMapping("/fallback/invalid")
        @MoltOffload(entry = "no_such_export", timeoutMs = 5000, allowFallback = true)
        public Map<String, Object> fallbackInvalid() {
            return Map.of("fallback", true);
        }

        @GetMapping("/count")
        @MoltOffload(entry = "count", timeoutMs = 5000)
        public Map<String, Object> countShared() {
            return notRun();
        }

        @GetMapping("/count-per-request")
        @MoltOffload(entry = "count", timeoutMs = 20_000, clientMode = "per_request")
        public Map<String, Object> countPerRequest() {
            return notRun();
        }
    }
}
