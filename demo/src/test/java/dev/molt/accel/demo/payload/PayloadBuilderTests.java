package dev.molt.accel.demo.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadValidationException;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The demo contract builders (PROTOCOL.md section 12): validation and clamping. */
class PayloadBuilderTests {

    private final ListItemsPayloadBuilder list = new ListItemsPayloadBuilder();
    private final ComputePayloadBuilder compute = new ComputePayloadBuilder();
    private final OffloadTablePayloadBuilder table = new OffloadTablePayloadBuilder();

    @Test
    void listItems() {
        assertThat(list.build(params(Map.of("user_id", List.of("42")))))
                .isEqualTo(Map.of("user_id", 42L, "limit", 50));
        assertThat(list.build(params(Map.of("user_id", List.of("-3"), "q", List.of("x"), "status", List.of("open"),
                "cursor", List.of("c"), "limit", List.of("7")))))
                .isEqualTo(Map.of("user_id", -3L, "q", "x", "status", "open", "cursor", "c", "limit", 7));
        assertThat(limit("0")).isEqualTo(1);
        assertThat(limit("501")).isEqualTo(500);
        assertThat(limit("3.5")).isEqualTo(50);
        assertThat(limit("abc")).isEqualTo(50);
        assertThat(list.build(args(Map.of("user_id", 5, "limit", 2.0)))).isEqualTo(Map.of("user_id", 5L, "limit", 2));
        assertThat(list.build(args(Map.of("body", Map.of("user_id", 9))))).isEqualTo(Map.of("user_id", 9L, "limit", 50));
        assertThatThrownBy(() -> list.build(params(Map.of()))).isInstanceOf(MoltPayloadValidationException.class)
                .hasMessage("user_id is required");
        assertThatThrownBy(() -> list.build(params(Map.of("user_id", List.of("1.5")))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessage("user_id must be an integer, got '1.5'");
        assertThatThrownBy(() -> list.build(args(Map.of("user_id", true))))
                .hasMessage("user_id must be an integer, got a boolean");
    }

    @Test
    void compute() {
        assertThat(compute.build(params(Map.of("values", List.of("1, 2,3e1")))))
                .isEqualTo(Map.of("values", List.of(1.0, 2.0, 30.0), "scale", 1.0, "offset", 0.0));
        assertThat(compute.build(params(Map.of("values", List.of("1", "2"), "scale", List.of("2"), "offset", List.of("-1")))))
                .isEqualTo(Map.of("values", List.of(1.0, 2.0), "scale", 2.0, "offset", -1.0));
        assertThat(compute.build(args(Map.of("body", Map.of("values", List.of(1, 2.5))))))
                .isEqualTo(Map.of("values", List.of(1.0, 2.5), "scale", 1.0, "offset", 0.0));
        assertThat(compute.build(params(Map.of()))).isEqualTo(Map.of("values", List.of(), "scale", 1.0, "offset", 0.0));
        assertThatThrownBy(() -> compute.build(params(Map.of("values", List.of("1,,2")))))
                .hasMessage("values[1] is not a number: ''");
        assertThatThrownBy(() -> compute.build(args(Map.of("values", List.of(1, "x")))))
                .hasMessage("values[1] is not a number: 'x'");
        assertThatThrownBy(() -> compute.build(params(Map.of("values", List.of("NaN")))))
                .isInstanceOf(MoltPayloadValidationException.class);
        assertThatThrownBy(() -> compute.build(params(Map.of("offset", List.of("zero")))))
                .hasMessage("offset is not a number: 'zero'");
    }

    @Test
    void offloadTable() {
        assertThat(table.build(params(Map.of()))).isEqualTo(Map.of("rows", 10_000));
        assertThat(table.build(params(Map.of("rows", List.of("123"))))).isEqualTo(Map.of("rows", 123));
        assertThat(table.build(params(Map.of("rows", List.of("60000"))))).isEqualTo(Map.of("rows", 50_000));
        assertThat(table.build(params(Map.of("rows", List.of("0"))))).isEqualTo(Map.of("rows", 1));
        assertThat(table.build(params(Map.of("rows", List.of("lots"))))).isEqualTo(Map.of("rows", 10_000));
    }

    @Test
    void overlongNumbersAreA400ThatQuotesNothingOfThem() {
        String megabyte = "1".repeat(1 << 20);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> list.build(params(Map.of("user_id", List.of(megabyte)))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessageStartingWith("user_id is too long")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120));
        assertThatThrownBy(() -> list.build(params(Map.of("user_id", List.of("1"), "limit", List.of(megabyte)))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessageStartingWith("limit is too long");
        assertThatThrownBy(() -> compute.build(params(Map.of("scale", List.of(megabyte + "x")))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessageStartingWith("scale is too long");
        assertThatThrownBy(() -> compute.build(args(Map.of("body", Map.of("values", List.of(1, megabyte))))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessageStartingWith("values[1] is too long");
        assertThatThrownBy(() -> table.build(args(Map.of("body", Map.of("rows", megabyte)))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessageStartingWith("rows is too long");
        assertThatThrownBy(() -> table.build(params(Map.of("rows", List.of("99999999999999999999")))))
                .isInstanceOf(MoltPayloadValidationException.class).hasMessageStartingWith("rows is too long");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("six 1 MB refusals").isLessThan(1_000L);
    }

    private int limit(String value) {
        return (Integer) ((Map<?, ?>) list.build(params(Map.of("user_id", List.of("1"), "limit", List.of(value)))))
                .get("limit");
    }

    private static MoltOffloadContext params(Map<String, List<String>> params) {
        return new Context(Map.of(), params);
    }

    private static MoltOffloadContext args(Map<String, Object> args) {
        return new Context(args, Map.of());
    }

    private record Context(Map<String, Object> args, Map<String, List<String>> params) implements MoltOffloadContext {
        @Override
        public String entry() {
            return "test";
        }

        @Override
        public Method method() {
            return null;
        }

        @Override
        public Map<String, Object> arguments() {
            return new LinkedHashMap<>(args);
        }

        @Override
        public String parameter(String name) {
            List<String> v = params.get(name);
            return v == null ? null : v.get(0);
        }

        @Override
        public List<String> parameterValues(String name) {
            return params.getOrDefault(name, List.of());
        }

        @Override
        public String header(String name) {
            return null;
        }

        @Override
        public <T> T nativeRequest(Class<T> type) {
            return null;
        }
    }
}
