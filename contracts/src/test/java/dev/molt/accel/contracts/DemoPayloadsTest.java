package dev.molt.accel.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DemoPayloadsTest {

    private static Function<String, Object> params(Map<String, List<String>> params) {
        return DemoPayloads.lookup(Map.of(), name -> params.getOrDefault(name, List.of()));
    }

    private static Function<String, Object> args(Map<String, Object> args) {
        return DemoPayloads.lookup(args, name -> List.of());
    }

    @Test
    void listItems() {
        assertThat(DemoPayloads.listItems(params(Map.of("user_id", List.of("42"))))).isEqualTo(Map.of("user_id", 42L, "limit", 50));
        Map<String, Object> full = DemoPayloads.listItems(params(Map.of("user_id", List.of("-3"), "q", List.of("x"),
                "status", List.of("open"), "cursor", List.of("c"), "limit", List.of("7"))));
        assertThat(full).containsExactly(Map.entry("user_id", -3L), Map.entry("q", "x"), Map.entry("status", "open"),
                Map.entry("cursor", "c"), Map.entry("limit", 7));
        assertThat(DemoPayloads.listItems(params(Map.of("user_id", List.of("1"), "q", List.of("a", "b")))))
                .as("a repeated string parameter reads as its first value").containsEntry("q", "a");
        assertThat(DemoPayloads.listItems(args(Map.of("user_id", 5, "limit", 2.0)))).isEqualTo(Map.of("user_id", 5L, "limit", 2));
        assertThat(DemoPayloads.listItems(args(Map.of("body", Map.of("user_id", 9))))).isEqualTo(Map.of("user_id", 9L, "limit", 50));
        assertThatThrownBy(() -> DemoPayloads.listItems(params(Map.of()))).isInstanceOf(InvalidFieldException.class)
                .hasMessage("user_id is required");
        assertThatThrownBy(() -> DemoPayloads.listItems(args(Map.of("user_id", 1, "q", 5)))).hasMessage("q must be a string, got 5");
    }

    @Test
    void argumentsComeBeforeMapEntriesBeforeParameters() {
        Map<String, Object> args = new HashMap<>();
        args.put("user_id", null);
        args.put("body", Map.of("user_id", 2));
        Function<String, Object> field = DemoPayloads.lookup(args, name -> List.of("3"));
        assertThat(field.apply("user_id")).isEqualTo(2);
        args.put("user_id", 1);
        assertThat(field.apply("user_id")).isEqualTo(1);
        assertThat(field.apply("other")).isEqualTo("3");
        assertThat(DemoPayloads.lookup(Map.of(), name -> List.of("a", "b")).apply("x")).isEqualTo(List.of("a", "b"));
        assertThat(DemoPayloads.lookup(Map.of(), name -> null).apply("x")).isNull();
    }

    @Test
    void compute() {
        assertThat(DemoPayloads.compute(params(Map.of("values", List.of("1, 2,3e1")))))
                .containsExactly(Map.entry("values", List.of(1.0, 2.0, 30.0)), Map.entry("scale", 1.0), Map.entry("offset", 0.0));
        assertThat(DemoPayloads.compute(params(Map.of("values", List.of("1", "2"), "scale", List.of("2"), "offset", List.of("-1")))))
                .isEqualTo(Map.of("values", List.of(1.0, 2.0), "scale", 2.0, "offset", -1.0));
        assertThat(DemoPayloads.compute(args(Map.of("body", Map.of("values", List.of(1, 2.5))))))
                .isEqualTo(Map.of("values", List.of(1.0, 2.5), "scale", 1.0, "offset", 0.0));
        assertThat(DemoPayloads.compute(params(Map.of()))).isEqualTo(Map.of("values", List.of(), "scale", 1.0, "offset", 0.0));
        assertThatThrownBy(() -> DemoPayloads.compute(params(Map.of("offset", List.of("zero")))))
                .hasMessage("offset is not a number: 'zero'");
    }

    @Test
    void offloadTable() {
        assertThat(DemoPayloads.offloadTable(params(Map.of()))).isEqualTo(Map.of("rows", 10_000));
        assertThat(DemoPayloads.offloadTable(params(Map.of("rows", List.of("123"))))).isEqualTo(Map.of("rows", 123));
        assertThat(DemoPayloads.offloadTable(args(Map.of("body", Map.of("rows", 60_000))))).isEqualTo(Map.of("rows", 50_000));
        assertThatThrownBy(() -> DemoPayloads.offloadTable(args(Map.of("body", Map.of("rows", "1".repeat(800_000))))))
                .isInstanceOf(InvalidFieldException.class).hasMessageStartingWith("rows is too long");
    }
}
