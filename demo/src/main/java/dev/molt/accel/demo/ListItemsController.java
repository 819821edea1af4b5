package dev.molt.accel.demo;

import dev.molt.accel.demo.payload.ListItemsPayloadBuilder;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.worker.demo.DemoContract;
import dev.molt.accel.worker.demo.FakeDb;
import dev.molt.accel.worker.demo.ListItemsQuery;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The list endpoint of the demo contract, twice: {@code /baseline/} runs it in the application's
 * request thread, {@code /offload/} in the worker. Both take {@code user_id} (required integer),
 * {@code q}, {@code status}, {@code cursor} and {@code limit} (default 50, clamped to 1..500) and
 * answer the same bytes, errors included.
 */
@RestController
public class ListItemsController {

    private static final ListItemsPayloadBuilder PAYLOAD = new ListItemsPayloadBuilder();

    private final FakeDb db;

    public ListItemsController(FakeDb db) {
        this.db = db;
    }

    /** In-process: the same request parsing as {@code /offload/}, then the contract in this JVM. */
    @GetMapping(path = "/baseline/", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<byte[]> baseline(
            @RequestParam(name = "user_id", required = false) String userId,
            @RequestParam(name = "q", required = false) String q,
            @RequestParam(name = "status", required = false) String status,
            @RequestParam(name = "cursor", required = false) String cursor,
            @RequestParam(name = "limit", required = false) String limit,
            HttpServletRequest request) {
        byte[] body = InProcess.run("list_items", PAYLOAD, arguments(userId, q, status, cursor, limit), request,
                payload -> DemoContract.listItemsJson(ListItemsQuery.fromPayload(payload), db));
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /**
     * Offloaded: the worker's JSON bytes are written through untouched. The body below is the
     * in-process implementation; it runs only when offloading is switched off
     * ({@code molt.accel.enabled=false}).
     */
    @GetMapping(path = "/offload/", produces = MediaType.APPLICATION_JSON_VALUE)
    @MoltOffload(entry = "list_items", codec = "msgpack", codecOut = "json", timeoutMs = 250, idempotent = true,
            retryOnTimeout = MoltOffload.Flag.TRUE, payloadBuilder = ListItemsPayloadBuilder.class,
            metricsClass = WorkerTimings.class)
    public Map<String, Object> offload(
            @RequestParam(name = "user_id", required = false) String userId,
            @RequestParam(name = "q", required = false) String q,
            @RequestParam(name = "status", required = false) String status,
            @RequestParam(name = "cursor", required = false) String cursor,
            @RequestParam(name = "limit", required = false) String limit,
            HttpServletRequest request) {
        return InProcess.run("list_items", PAYLOAD, arguments(userId, q, status, cursor, limit), request,
                payload -> DemoContract.listItems(ListItemsQuery.fromPayload(payload), db));
    }

    private static Map<String, Object> arguments(String userId, String q, String status, String cursor, String limit) {
        return InProcess.arguments("user_id", userId, "q", q, "status", status, "cursor", cursor, "limit", limit);
    }
}
