package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/** Each endpoint's happy path and its errors, over real HTTP against real worker processes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EndpointsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Http.Answer a) {
        return JSON.readValue(a.body(), Map.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void offloadAnswersTheListContract() {
        Http.Answer a = Http.get(port, "/offload/?user_id=7&q=ab&status=open&limit=3");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).isEqualTo("application/json");
        // base = |user_id| * 1000 + len(q) + len(status) + len(cursor) = 7000 + 2 + 4
        assertThat(a.text()).isEqualTo("{\"items\":["
                + "{\"id\":7006,\"created_at\":\"2026-01-01T00:00:00Z\",\"status\":\"open\",\"title\":\"Item 7006\",\"score\":0.0,\"unread\":true},"
                + "{\"id\":7007,\"created_at\":\"2026-01-02T00:00:01Z\",\"status\":\"closed\",\"title\":\"Item 7007\",\"score\":0.01,\"unread\":false},"
                + "{\"id\":7008,\"created_at\":\"2026-01-03T00:00:02Z\",\"status\":\"open\",\"title\":\"Item 7008\",\"score\":0.02,\"unread\":false}],"
                + "\"next_cursor\":\"7:3\",\"counts\":{\"open\":2,\"closed\":1}}");
        Map<String, Object> body = json(Http.get(port, "/offload/?user_id=1"));
        assertThat((List<Object>) body.get("items")).hasSize(50);
        assertThat(body.get("next_cursor")).isEqualTo("1:50");
    }

    @Test
    void baselineAnswersTheListContract() {
        Http.Answer a = Http.get(port, "/baseline/?user_id=1&limit=1");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.text()).isEqualTo("{\"items\":[{\"id\":1000,\"created_at\":\"2026-01-01T00:00:00Z\",\"status\":\"open\","
                + "\"title\":\"Item 1000\",\"score\":0.0,\"unread\":true}],\"next_cursor\":\"1:1\",\"counts\":{\"open\":1,\"closed\":0}}");
    }

    @Test
    void missingOrBadUserIdIsA400OnBothSides() {
        for (String path : List.of("/baseline/", "/offload/")) {
            Http.Answer missing = Http.get(port, path);
            assertThat(missing.status()).isEqualTo(400);
            assertThat(missing.contentType()).isEqualTo("application/json");
            assertThat(missing.text()).isEqualTo("{\"error\":\"MoltInvalidInput\",\"detail\":\"user_id is required\"}");

            Http.Answer bad = Http.get(port, path + "?user_id=abc");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).isEqualTo("{\"error\":\"MoltInvalidInput\",\"detail\":\"user_id must be an integer, got 'abc'\"}");
        }
    }

    @Test
    void computeOffloadFromQueryAndBody() {
        Http.Answer get = Http.get(port, "/compute_offload/?values=1,2,3&scale=2&offset=1");
        Http.Answer post = Http.postJson(port, "/compute_offload/", "{\"values\":[1,2,3],\"scale\":2,\"offset\":1}");

        assertThat(get.status()).isEqualTo(200);
        assertThat(get.contentType()).startsWith("application/json");
        assertThat(get.text()).isEqualTo("{\"count\":3,\"sum\":15.0,\"scaled\":[3.0,5.0,7.0]}");
        assertThat(post.status()).isEqualTo(200);
        assertThat(post.text()).isEqualTo(get.text());
    }

    @Test
    void computeRejectsNonNumbers() {
        Http.Answer a = Http.get(port, "/compute_offload/?values=1,x");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.text()).isEqualTo("{\"error\":\"MoltInvalidInput\",\"detail\":\"values[1] is not a number: 'x'\"}");
    }

    @Test
    void offloadTableFromQueryAndBody() {
        Http.Answer get = Http.get(port, "/offload_table/?rows=3");
        Http.Answer post = Http.postJson(port, "/offload_table/", "{\"rows\":3}");
        Http.Answer dflt = Http.get(port, "/offload_table/");
        Http.Answer clamped = Http.get(port, "/offload_table/?rows=1000000");

        assertThat(get.status()).isEqualTo(200);
        assertThat(get.contentType()).isEqualTo("application/json");
        assertThat(get.text()).isEqualTo("{\"rows\":3,\"sample\":[{\"id\":0,\"value\":0},{\"id\":1,\"value\":1},{\"id\":2,\"value\":2}]}");
        assertThat(post.text()).isEqualTo(get.text());
        assertThat(json(dflt)).containsEntry("rows", 10000);
        assertThat(json(clamped)).containsEntry("rows", 50000);
    }

    @Test
    void healthIsAnsweredByTheWorker() {
        Http.Answer a = Http.get(port, "/health/");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).isEqualTo("application/json");
        assertThat(a.text()).isEqualTo("{\"ok\":true}");
    }

    @Test
    void actuatorReportsTheWorkerAndItsTimings() {
        // two answered calls: a cold worker on a busy machine may miss the endpoint's deadline at first
        Http.getUntilOk(port, "/offload/?user_id=5");
        Http.getUntilOk(port, "/offload/?user_id=6");

        Http.Answer health = Http.get(port, "/actuator/health/readiness");
        assertThat(health.status()).as("readiness includes the molt indicator").isEqualTo(200);
        assertThat(health.text()).contains("\"status\":\"UP\"");

        Map<String, Object> timings = json(Http.get(port, "/actuator/moltworker"));
        assertThat(timings).containsKey("list_items");
        @SuppressWarnings("unchecked")
        Map<String, Object> list = (Map<String, Object>) timings.get("list_items");
        assertThat(((Number) list.get("count")).longValue()).isGreaterThanOrEqualTo(2);
        assertThat(list).containsKeys("queue_us", "exec_us");

        assertThat(Http.send(Http.request(port, "/actuator/moltworker").DELETE().build()).status())
                .as("the endpoint is read-only by default").isIn(404, 405);

        // the same timings as a section of the starter's molt endpoint, beside the pool and its worker
        Map<String, Object> molt = json(Http.get(port, "/actuator/molt"));
        @SuppressWarnings("unchecked")
        Map<String, Object> sections = (Map<String, Object>) molt.get("sections");
        assertThat((Map<String, Object>) sections.get("workerTimings")).containsKey("list_items");
        @SuppressWarnings("unchecked")
        Map<String, Object> pool = (Map<String, Object>) ((Map<String, Object>) molt.get("pools")).get("default");
        assertThat(pool).containsKeys("workers", "configuration", "lastFailure");
        assertThat(Http.send(Http.request(port, "/actuator/molt").DELETE().build()).status()).isIn(404, 405);

        Http.Answer prometheus = Http.get(port, "/actuator/prometheus");
        assertThat(prometheus.status()).isEqualTo(200);
        assertThat(prometheus.text()).contains("molt_accel_calls").contains("molt_accel_worker_exec");
    }
}
