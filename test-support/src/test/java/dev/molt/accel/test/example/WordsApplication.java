package dev.molt.accel.test.example;

import dev.molt.accel.spring.MoltOffload;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The example application of the README: two offloaded endpoints and one with a tight deadline. */
@SpringBootApplication
public class WordsApplication {

    public record WordsRequest(String text) {
    }

    public record WordsResponse(int words) {
    }

    @RestController
    public static class WordsController {

        /** Offloaded: the worker's {@code count_words} answers; the body runs only as a fallback. */
        @PostMapping("/words")
        @MoltOffload(entry = "count_words", timeoutMs = 5000)
        public WordsResponse words(@RequestBody WordsRequest request) {
            throw new IllegalStateException("offloaded: runs only as a fallback");
        }

        /** A deadline of 250 ms for work that takes {@code ms}: {@code molt.accel.timeout-scale} lengthens it. */
        @GetMapping("/slow")
        @MoltOffload(entry = "slow_words", timeoutMs = 250)
        public WordsResponse slow(@RequestParam long ms) {
            throw new IllegalStateException("offloaded: runs only as a fallback");
        }

        /** The worker rejects a non-positive quantity with a message that is safe to show. */
        @GetMapping("/order")
        @MoltOffload(entry = "order", timeoutMs = 5000)
        public WordsResponse order(@RequestParam int quantity) {
            throw new IllegalStateException("offloaded: runs only as a fallback");
        }
    }
}
