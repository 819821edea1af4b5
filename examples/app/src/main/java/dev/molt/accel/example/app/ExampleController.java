package dev.molt.accel.example.app;

import dev.molt.accel.example.worker.TextRequest;
import dev.molt.accel.example.worker.WordStats;
import dev.molt.accel.spring.MoltOffload;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The two offloaded endpoints. Their bodies never run: the workers answer. */
@RestController
class ExampleController {

    /**
     * Word statistics of the posted text, from the application's own Java worker (the default
     * pool). The request body is the payload, the worker's answer is converted to the return type.
     */
    @PostMapping("/words")
    @MoltOffload(entry = "word_stats", timeoutMs = 2000)
    public WordStats words(@RequestBody TextRequest request) {
        throw new UnsupportedOperationException("served by the worker");
    }

    /**
     * The demo contract's {@code compute} from the Python worker pool {@code py}: the payload is the
     * map of the named parameters, {@code {"values": "...", "scale": ..., "offset": ...}}.
     */
    @GetMapping("/compute")
    @MoltOffload(entry = "compute", worker = "py", idempotent = true)
    public ComputeResult compute(@RequestParam("values") String values,
            @RequestParam(name = "scale", defaultValue = "1") double scale,
            @RequestParam(name = "offset", defaultValue = "0") double offset) {
        throw new UnsupportedOperationException("served by the worker");
    }
}
