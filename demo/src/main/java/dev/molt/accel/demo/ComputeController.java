package dev.molt.accel.demo;

import dev.molt.accel.demo.payload.ComputePayloadBuilder;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.worker.demo.DemoContract;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code compute} of the demo contract: {@code values} (comma-separated or a JSON list of numbers),
 * {@code scale} (default 1.0) and {@code offset} (default 0.0), from the query string ({@code GET})
 * or a JSON body ({@code POST}); answers {@code {"count", "sum", "scaled"}}. The export answers
 * msgpack, so the offloaded result is decoded and written by Spring like the in-process one.
 */
@RestController
public class ComputeController {

    private static final ComputePayloadBuilder PAYLOAD = new ComputePayloadBuilder();

    /** In-process. */
    @RequestMapping(path = "/compute/", method = {RequestMethod.GET, RequestMethod.POST},
            produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> compute(
            @RequestParam(name = "values", required = false) String values,
            @RequestParam(name = "scale", required = false) String scale,
            @RequestParam(name = "offset", required = false) String offset,
            @RequestBody(required = false) Map<String, Object> body,
            HttpServletRequest request) {
        return InProcess.run("compute", PAYLOAD, arguments(values, scale, offset, body), request,
                DemoContract::compute);
    }

    /** Offloaded to the {@code compute} export; the body runs only when offloading is switched off. */
    @RequestMapping(path = "/compute_offload/", method = {RequestMethod.GET, RequestMethod.POST},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @MoltOffload(entry = "compute", codec = "msgpack", codecOut = "msgpack", timeoutMs = 1000, idempotent = true,
            payloadBuilder = ComputePayloadBuilder.class, metricsClass = WorkerTimings.class)
    public Map<String, Object> computeOffload(
            @RequestParam(name = "values", required = false) String values,
            @RequestParam(name = "scale", required = false) String scale,
            @RequestParam(name = "offset", required = false) String offset,
            @RequestBody(required = false) Map<String, Object> body,
            HttpServletRequest request) {
        return compute(values, scale, offset, body, request);
    }

    private static Map<String, Object> arguments(String values, String scale, String offset, Map<String, Object> body) {
        return InProcess.arguments("values", values, "scale", scale, "offset", offset, "body", body);
    }
}
