package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * Megabyte-sized numbers against every demo endpoint, over real HTTP with the bundled worker: each is
 * a 400 with the {@code {"error","detail"}} body, in milliseconds. The parsers they replace took
 * seconds to tens of seconds (a backtracking regex over the digits, {@code BigInteger} over the
 * text); the detail names the field and quotes none of the number.
 *
 * <p>Tomcat refuses request lines beyond its header limit (8 KB by default) before the application
 * sees them; the limit is raised here so that megabyte queries reach the parsers, as they would in a
 * deployment that raised it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.max-http-request-header-size=4MB")
class HostileNumbersTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String MEGABYTE = "1".repeat(1 << 20);
    /** The query of the original report: an 8 KB run of digits the old regex backtracked over. */
    private static final String EIGHT_KB_TRAP = "1".repeat(8 * 1024) + "x";
    /** Generous for a loaded 2-core machine; the old parsers took seconds to tens of seconds. */
    private static final long BOUND_MS = 2_000;

    @LocalServerPort
    int port;

    @BeforeEach
    void warmUp() {
        // class loading and the first calls of each path are not what is measured
        Http.getUntilOk(port, "/offload/?user_id=1&limit=1");
        Http.getUntilOk(port, "/baseline/?user_id=1&limit=1");
        Http.getUntilOk(port, "/compute_offload/?values=1");
        Http.getUntilOk(port, "/compute/?values=1");
        Http.getUntilOk(port, "/offload_table/?rows=1");
    }

    @Test
    void megabyteNumbersInTheQueryAre400s() {
        for (String side : List.of("/offload/", "/baseline/")) {
            refused(() -> Http.get(port, side + "?user_id=" + MEGABYTE), "user_id is too long");
            refused(() -> Http.get(port, side + "?user_id=-" + MEGABYTE + "x"), "user_id is too long");
            refused(() -> Http.get(port, side + "?user_id=1&limit=" + MEGABYTE), "limit is too long");
        }
        for (String side : List.of("/compute_offload/", "/compute/")) {
            refused(() -> Http.get(port, side + "?values=1&scale=" + MEGABYTE + "x"), "scale is too long");
            refused(() -> Http.get(port, side + "?values=1&scale=" + EIGHT_KB_TRAP), "scale is too long");
            refused(() -> Http.get(port, side + "?values=1&offset=" + MEGABYTE), "offset is too long");
            refused(() -> Http.get(port, side + "?values=1," + MEGABYTE + "x,2"), "values[1] is too long");
        }
        refused(() -> Http.get(port, "/offload_table/?rows=" + MEGABYTE), "rows is too long");
        refused(() -> Http.get(port, "/offload_table/?rows=99999999999999999999"), "rows is too long");
    }

    @Test
    void megabyteNumberStringsInAJsonBodyAre400s() {
        for (String side : List.of("/compute_offload/", "/compute/")) {
            refused(() -> Http.postJson(port, side, "{\"values\":[1,\"" + MEGABYTE + "\"]}"), "values[1] is too long");
            refused(() -> Http.postJson(port, side, "{\"values\":\"" + MEGABYTE + "x\"}"), "values[0] is too long");
            refused(() -> Http.postJson(port, side, "{\"values\":[1],\"scale\":\"" + MEGABYTE + "x\"}"),
                    "scale is too long");
            // the 32 KB body of the original report
            refused(() -> Http.postJson(port, side, "{\"values\":[1],\"scale\":\"" + "1".repeat(32 * 1024) + "x\"}"),
                    "scale is too long");
        }
        // 800 KB of digits used to be parsed by BigInteger, skip the clamp and answer 200
        refused(() -> Http.postJson(port, "/offload_table/", "{\"rows\":\"" + "1".repeat(800 * 1024) + "\"}"),
                "rows is too long");
        refused(() -> Http.postJson(port, "/offload_table/", "{\"rows\":\"" + MEGABYTE + "\"}"), "rows is too long");
    }

    @Test
    void theClampStillHoldsForSaneNumbers() {
        assertThat(json(Http.get(port, "/offload_table/?rows=60000"))).containsEntry("rows", 50_000);
        assertThat(json(Http.postJson(port, "/offload_table/", "{\"rows\":\"123\"}"))).containsEntry("rows", 123);
        assertThat(json(Http.get(port, "/offload_table/?rows=lots"))).containsEntry("rows", 10_000);
        assertThat(json(Http.get(port, "/offload/?user_id=1&limit=9999"))).containsEntry("next_cursor", "1:500");
        assertThat(Http.get(port, "/offload/?user_id=9223372036854775808").text())
                .isEqualTo("{\"error\":\"MoltInvalidInput\",\"detail\":\"user_id is out of range\"}");
    }

    private static void refused(java.util.function.Supplier<Http.Answer> call, String detailPrefix) {
        long t0 = System.nanoTime();
        Http.Answer a = call.get();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(a.status()).as(a.text()).isEqualTo(400);
        assertThat(a.contentType()).startsWith("application/json");
        Map<String, Object> body = json(a);
        assertThat(body.keySet()).containsExactly("error", "detail");
        assertThat(body.get("error")).isEqualTo("MoltInvalidInput");
        assertThat((String) body.get("detail")).startsWith(detailPrefix).hasSizeLessThan(120).doesNotContain("1111");
        assertThat(ms).as("answered in milliseconds, not seconds").isLessThan(BOUND_MS);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Http.Answer a) {
        return JSON.readValue(a.body(), Map.class);
    }
}
