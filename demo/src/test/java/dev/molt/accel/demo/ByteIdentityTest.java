package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The in-process and the offloaded endpoints answer the same bytes (status, content type and body)
 * for the same request, over real HTTP against a real worker process: the list contract
 * ({@code /baseline/} vs {@code /offload/}) and {@code compute} ({@code /compute/} vs
 * {@code /compute_offload/}), the 400 answers included.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ByteIdentityTest {

    @LocalServerPort
    int port;

    static Stream<Arguments> listQueries() {
        return Stream.of(
                // happy paths
                Arguments.of("user_id=1", 200),
                Arguments.of("user_id=42&limit=50", 200),
                Arguments.of("user_id=7&q=shoes&status=open&cursor=abc&limit=20", 200),
                Arguments.of("user_id=-7&limit=3", 200),
                Arguments.of("user_id=0", 200),
                Arguments.of("user_id=%2B5&limit=2", 200),
                Arguments.of("user_id=%205%20&limit=2", 200),
                Arguments.of("user_id=3&q=h%C3%A9llo%F0%9F%98%80&limit=4", 200),
                Arguments.of("user_id=3&q=&status=&cursor=&limit=4", 200),
                Arguments.of("user_id=2147483648&limit=2", 200),
                // limit: clamped to 1..500, a non-integer reads as 50
                Arguments.of("user_id=1&limit=0", 200),
                Arguments.of("user_id=1&limit=-5", 200),
                Arguments.of("user_id=1&limit=500", 200),
                Arguments.of("user_id=1&limit=501", 200),
                Arguments.of("user_id=1&limit=abc", 200),
                Arguments.of("user_id=1&limit=3.5", 200),
                Arguments.of("user_id=1&limit=", 200),
                Arguments.of("user_id=1&limit=7&limit=9", 200),
                Arguments.of("user_id=1&unknown=x&limit=2", 200),
                // user_id missing or not an integer: 400 from the payload builder
                Arguments.of("", 400),
                Arguments.of("limit=5", 400),
                Arguments.of("user_id=", 400),
                Arguments.of("user_id=abc", 400),
                Arguments.of("user_id=1.5", 400),
                Arguments.of("user_id=1e3", 400),
                Arguments.of("user_id=99999999999999999999", 400),
                Arguments.of("user_id=1&user_id=2", 400),
                Arguments.of("user_id=" + "x".repeat(100), 400),
                // a number longer than an integer may be, whatever the field: 400, not a default
                Arguments.of("user_id=1&limit=99999999999999999999", 400),
                Arguments.of("user_id=1&limit=9223372036854775808", 400),
                Arguments.of("user_id=1&limit=" + "1".repeat(1000), 400),
                // an integer the contract cannot turn into ids: 400 from the contract (the worker's InvalidInput)
                Arguments.of("user_id=9223372036854775807", 400),
                Arguments.of("user_id=-9223372036854775808", 400));
    }

    @ParameterizedTest(name = "[{index}] ?{0}")
    @MethodSource("listQueries")
    void listEndpointsAnswerTheSameBytes(String query, int status) {
        Http.Answer baseline = Http.get(port, "/baseline/?" + query);
        Http.Answer offload = Http.get(port, "/offload/?" + query);

        assertThat(baseline.status()).as("baseline status, body %s", baseline.text()).isEqualTo(status);
        assertThat(offload.status()).as("offload status, body %s", offload.text()).isEqualTo(status);
        assertThat(offload.contentType()).isEqualTo(baseline.contentType()).startsWith("application/json");
        assertThat(offload.text()).isEqualTo(baseline.text());
        assertThat(offload.body()).isEqualTo(baseline.body());
        if (status == 400) {
            assertThat(offload.text()).startsWith("{\"error\":\"MoltInvalidInput\",\"detail\":\"");
        }
    }

    static Stream<Arguments> computeRequests() {
        return Stream.of(
                Arguments.of("GET", "values=1,2,3", null, 200),
                Arguments.of("GET", "values=1,2,3&scale=2&offset=0.5", null, 200),
                Arguments.of("GET", "values=-1.5,1e3,.25&scale=-3", null, 200),
                Arguments.of("GET", "values=0.1,0.2,0.3&scale=0.1", null, 200),
                Arguments.of("GET", "", null, 200),
                Arguments.of("GET", "values=", null, 200),
                Arguments.of("GET", "values=1,x", null, 400),
                Arguments.of("GET", "values=1,,2", null, 400),
                Arguments.of("GET", "values=1&scale=abc", null, 400),
                Arguments.of("GET", "values=1&offset=NaN", null, 400),
                Arguments.of("POST", "", "{\"values\":[1,2,3],\"scale\":2}", 200),
                Arguments.of("POST", "", "{\"values\":[1.5,-2.25],\"scale\":2,\"offset\":1}", 200),
                Arguments.of("POST", "", "{\"values\":\"4,5\",\"offset\":\"1\"}", 200),
                Arguments.of("POST", "", "{}", 200),
                Arguments.of("POST", "", "{\"values\":[1,\"x\"]}", 400),
                Arguments.of("POST", "", "{\"values\":[1,null]}", 400),
                Arguments.of("POST", "", "{\"values\":{\"a\":1}}", 400),
                Arguments.of("POST", "", "{\"values\":[1],\"scale\":true}", 400));
    }

    @ParameterizedTest(name = "[{index}] {0} ?{1} {2}")
    @MethodSource("computeRequests")
    void computeEndpointsAnswerTheSameBytes(String method, String query, String body, int status) {
        Http.Answer baseline = compute(method, "/compute/", query, body);
        Http.Answer offload = compute(method, "/compute_offload/", query, body);

        assertThat(baseline.status()).as("baseline status, body %s", baseline.text()).isEqualTo(status);
        assertThat(offload.status()).as("offload status, body %s", offload.text()).isEqualTo(status);
        assertThat(offload.contentType()).isEqualTo(baseline.contentType());
        assertThat(offload.text()).isEqualTo(baseline.text());
    }

    private Http.Answer compute(String method, String path, String query, String body) {
        String target = path + (query.isEmpty() ? "" : "?" + query);
        return method.equals("GET") ? Http.get(port, target) : Http.postJson(port, target, body);
    }
}
