package dev.molt.accel.demo;

import dev.molt.accel.demo.payload.OffloadTablePayloadBuilder;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.worker.demo.DemoContract;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The offload-only endpoints: {@code /offload_table/} ({@code rows} from the query or a JSON body,
 * default 10000, clamped to 1..50000) and {@code /health/} (the worker's {@code health} export, so it
 * answers only when a worker does). Both exports answer JSON, written through untouched. With
 * offloading switched off, {@code /offload_table/} reads its request with the same builder and runs
 * the contract in-process.
 */
@RestController
public class WorkerExportsController {

    private static final OffloadTablePayloadBuilder PAYLOAD = new OffloadTablePayloadBuilder();

    @RequestMapping(path = "/offload_table/", method = {RequestMethod.GET, RequestMethod.POST},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @MoltOffload(entry = "offload_table", codec = "json", codecOut = "json", timeoutMs = 1000, idempotent = true,
            payloadBuilder = OffloadTablePayloadBuilder.class, metricsClass = WorkerTimings.class)
    public Map<String, Object> offloadTable(
            @RequestParam(name = "rows", required = false) String rows,
            @RequestBody(required = false) Map<String, Object> body,
            HttpServletRequest request) {
        return InProcess.run("offload_table", PAYLOAD, InProcess.arguments("rows", rows, "body", body), request,
                DemoContract::offloadTable);
    }

    @GetMapping(path = "/health/", produces = MediaType.APPLICATION_JSON_VALUE)
    @MoltOffload(entry = "health", codec = "json", codecOut = "json", timeoutMs = 250, idempotent = true,
            metricsClass = WorkerTimings.class)
    public Map<String, Object> health() {
        return DemoContract.health();
    }
}
