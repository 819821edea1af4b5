package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code deploy/grafana/molt-accel.json} queries only meters the demo exports: every metric name in
 * its panel and variable queries appears in {@code /actuator/prometheus} after a few calls.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardTest {

    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "molt-accel.json");

    @LocalServerPort
    int port;

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>();
        collect(dashboard, queries);
        assertThat(queries).hasSizeGreaterThan(10);
        Set<String> names = new LinkedHashSet<>();
        for (String q : queries) {
            names.addAll(metricNames(q));
        }
        assertThat(names).contains("molt_accel_calls_seconds_bucket", "molt_accel_worker_exec_microseconds_sum",
                "molt_accel_restarts_total", "molt_accel_workers");

        Http.getUntilOk(port, "/offload/?user_id=3&limit=2");
        Http.getUntilOk(port, "/compute_offload/?values=1,2,3&scale=2");
        // a call's timer is recorded by the client's listener, which may hear of the call just after its answer
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(exported(Http.get(port, "/actuator/prometheus").text()))
                        .as("exported by /actuator/prometheus").containsAll(names));
    }

    /** The metric names of a Prometheus text exposition. */
    private static Set<String> exported(String prometheus) {
        Set<String> exported = new LinkedHashSet<>();
        for (String line : prometheus.split("\n")) {
            if (!line.isEmpty() && line.charAt(0) != '#') {
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                exported.add(line.substring(0, end));
            }
        }
        return exported;
    }

    /** Every {@code expr} of a target and every {@code query} / {@code definition} string of a variable. */
    private static void collect(JsonNode node, List<String> out) {
        if (node.isObject()) {
            for (String key : List.of("expr", "definition")) {
                if (node.path(key).isString()) {
                    out.add(node.path(key).asString());
                }
            }
            if (node.path("query").isString() && node.has("definition")) {
                out.add(node.path("query").asString());
            }
            for (var child : node.properties()) {
                collect(child.getValue(), out);
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                collect(child, out);
            }
        }
    }

    /** The {@code molt_...} identifiers of a PromQL query (label names and values never start so). */
    static Set<String> metricNames(String query) {
        Set<String> out = new LinkedHashSet<>();
        int i = 0;
        while (i < query.length()) {
            boolean boundary = i == 0 || !isName(query.charAt(i - 1));
            if (boundary && query.startsWith("molt_", i)) {
                int end = i;
                while (end < query.length() && isName(query.charAt(end))) {
                    end++;
                }
                out.add(query.substring(i, end));
                i = end;
            } else {
                i++;
            }
        }
        return out;
    }

    private static boolean isName(char c) {
        return c == '_' || c == ':' || Character.isLetterOrDigit(c);
    }
}
