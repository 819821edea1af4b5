package dev.molt.accel.worker.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class DemoContractTest {

    private static Map<String, Object> payload(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    @SuppressWarnings("unchecked")
    void listItemsFollowsTheContract() {
        ListItemsQuery q = ListItemsQuery.fromPayload(payload("user_id", 7, "q", "ab", "limit", 3));
        Map<String, Object> result = DemoContract.listItems(q, FakeDb.FREE);
        assertThat(result.keySet()).containsExactly("items", "next_cursor", "counts");
        List<Map<String, Object>> items = (List<Map<String, Object>>) result.get("items");
        assertThat(items).hasSize(3);
        assertThat(items.get(0).keySet()).containsExactly("id", "created_at", "status", "title", "score", "unread");
        // base = 7 * 1000 + len("ab")
        assertThat(items).extracting(i -> i.get("id")).containsExactly(7002L, 7003L, 7004L);
        assertThat(items).extracting(i -> i.get("created_at"))
                .containsExactly("2026-01-01T00:00:00Z", "2026-01-02T00:00:01Z", "2026-01-03T00:00:02Z");
        assertThat(items).extracting(i -> i.get("status")).containsExactly("open", "closed", "open");
        assertThat(items).extracting(i -> i.get("title")).containsExactly("Item 7002", "Item 7003", "Item 7004");
        assertThat(items).extracting(i -> i.get("score")).containsExactly(0.0, 0.01, 0.02);
        assertThat(items).extracting(i -> i.get("unread")).containsExactly(true, false, false);
        assertThat(result.get("next_cursor")).isEqualTo("7:3");
        assertThat(result.get("counts")).isEqualTo(Map.of("open", 2, "closed", 1));
        assertThat(new String(DemoContract.listItemsJson(q, FakeDb.FREE), StandardCharsets.UTF_8)).isEqualTo(
                "{\"items\":[{\"id\":7002,\"created_at\":\"2026-01-01T00:00:00Z\",\"status\":\"open\",\"title\":\"Item 7002\","
                        + "\"score\":0.0,\"unread\":true},{\"id\":7003,\"created_at\":\"2026-01-02T00:00:01Z\",\"status\":\"closed\","
                        + "\"title\":\"Item 7003\",\"score\":0.01,\"unread\":false},{\"id\":7004,\"created_at\":\"2026-01-03T00:00:02Z\","
                        + "\"status\":\"open\",\"title\":\"Item 7004\",\"score\":0.02,\"unread\":false}],\"next_cursor\":\"7:3\","
                        + "\"counts\":{\"open\":2,\"closed\":1}}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void listItemsWrapsDaysAndSecondsAndCountsCodePoints() {
        Map<String, Object> result = DemoContract.listItems(
                new ListItemsQuery(-2, "caf\u00e9 \u2603", "open", "c:1", 500), FakeDb.FREE);
        List<Map<String, Object>> items = (List<Map<String, Object>>) result.get("items");
        assertThat(items).hasSize(500);
        assertThat(items.get(0).get("id")).isEqualTo(2000L + 6 + 4 + 3);
        assertThat(items.get(27).get("created_at")).isEqualTo("2026-01-28T00:00:27Z");
        assertThat(items.get(28).get("created_at")).isEqualTo("2026-01-01T00:00:28Z");
        assertThat(items.get(61).get("created_at")).isEqualTo("2026-01-06T00:00:01Z");
        assertThat(items.get(199).get("score")).isEqualTo(0.99);
        assertThat(result.get("counts")).isEqualTo(Map.of("open", 250, "closed", 250));
        assertThat(result.get("next_cursor")).isEqualTo("-2:500");
        // a character outside the BMP counts once, as in the reference implementation
        Map<String, Object> emoji = DemoContract.listItems(new ListItemsQuery(1, "\uD83D\uDE00", null, null, 1), FakeDb.FREE);
        assertThat(((List<Map<String, Object>>) emoji.get("items")).get(0).get("id")).isEqualTo(1001L);
    }

    @Test
    void limitIsClampedAndNonIntegersFallBackToTheDefault() {
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", 0)).limit()).isEqualTo(1);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", -5)).limit()).isEqualTo(1);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", 1000)).limit()).isEqualTo(500);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", "x")).limit()).isEqualTo(50);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", "abc")).limit()).isEqualTo(50);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", 3.5)).limit()).isEqualTo(50);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", "12")).limit()).isEqualTo(12);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", 7L)).limit()).isEqualTo(7);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", null)).limit()).isEqualTo(50);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1)).limit()).isEqualTo(50);
        assertThat(ListItemsQuery.fromPayload(payload("user_id", 1, "limit", true)).limit()).isEqualTo(50);
        assertThat(new ListItemsQuery(1, null, null, null, 9999).limit()).isEqualTo(500);
        // an integer beyond the long range, or a megabyte of digits, is refused rather than defaulted
        assertThatThrownBy(() -> ListItemsQuery.limitOf(new BigInteger("100000000000000000000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit is out of range");
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(payload("user_id", 1, "limit", "1".repeat(1 << 20))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("limit is too long");
    }

    @Test
    void userIdIsRequiredAndMustBeAnInteger() {
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(payload("limit", 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("user_id is required");
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(payload("user_id", "abc")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user_id must be an integer");
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(payload("user_id", 1.5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(List.of(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload must be a map");
        assertThatThrownBy(() -> ListItemsQuery.fromPayload(payload("user_id", 1, "q", 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q must be a string");
        assertThatThrownBy(() -> DemoContract.listItems(new ListItemsQuery(Long.MAX_VALUE, null, null, null, 1), FakeDb.FREE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThat(ListItemsQuery.fromPayload(payload("user_id", "42")).userId()).isEqualTo(42);
        assertThat(ListItemsQuery.of(7, null, null, null, "abc")).isEqualTo(new ListItemsQuery(7, null, null, null, 50));
    }

    @Test
    void computeScalesCommaSeparatedOrListedValues() {
        Map<String, Object> r = DemoContract.compute(payload("values", "1,2,3", "scale", 2, "offset", 1));
        assertThat(r.keySet()).containsExactly("count", "sum", "scaled");
        assertThat(r.get("count")).isEqualTo(3);
        assertThat(r.get("sum")).as("the sum of the scaled values").isEqualTo(15.0);
        assertThat(r.get("scaled")).isEqualTo(List.of(3.0, 5.0, 7.0));
        Map<String, Object> listed = DemoContract.compute(payload("values", List.of(1, 2.5, -1)));
        assertThat(listed.get("scaled")).isEqualTo(List.of(1.0, 2.5, -1.0));
        assertThat(listed.get("sum")).isEqualTo(2.5);
        // PROTOCOL.md section 12's example
        assertThat(DemoContract.compute(List.of(1, 2, 3.5), 2, 1))
                .isEqualTo(Map.of("count", 3, "sum", 16.0, "scaled", List.of(3.0, 5.0, 8.0)));
        assertThat(DemoContract.compute(payload("values", " 1.5 , 2e1")).get("scaled")).isEqualTo(List.of(1.5, 20.0));
        assertThat(DemoContract.compute(payload()).get("count")).isEqualTo(0);
        assertThat(new String(DemoContract.toJson(DemoContract.compute("1,2,3", 2, 1)), StandardCharsets.UTF_8))
                .isEqualTo("{\"count\":3,\"sum\":15.0,\"scaled\":[3.0,5.0,7.0]}");
    }

    @Test
    void computeRejectsAnythingThatIsNotANumber() {
        assertThatThrownBy(() -> DemoContract.compute(payload("values", "1,a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("values[1]");
        assertThatThrownBy(() -> DemoContract.compute(payload("values", List.of(1, "x"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DemoContract.compute(payload("values", List.of(true))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DemoContract.compute(payload("values", "1,,2")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DemoContract.compute(payload("values", "NaN")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DemoContract.compute(payload("values", "1", "scale", "big")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale");
        assertThatThrownBy(() -> DemoContract.compute(payload("values", Map.of())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DemoContract.compute(payload("values", "1", "scale", "1".repeat(8 * 1024) + "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("scale is too long");
        assertThatThrownBy(() -> DemoContract.offloadTable(payload("rows", "1".repeat(800_000))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("rows is too long");
    }

    @Test
    void offloadTableAndHealth() {
        assertThat(DemoContract.offloadTable(payload("rows", 3))).isEqualTo(Map.of("rows", 3, "sample",
                List.of(Map.of("id", 0, "value", 0), Map.of("id", 1, "value", 1), Map.of("id", 2, "value", 2))));
        Map<String, Object> dflt = DemoContract.offloadTable(payload());
        assertThat(dflt.get("rows")).isEqualTo(10_000);
        assertThat((List<?>) dflt.get("sample")).hasSize(8);
        assertThat(((List<?>) dflt.get("sample")).get(7)).isEqualTo(Map.of("id", 7, "value", 0));
        assertThat(DemoContract.offloadTable(payload("rows", 0)).get("rows")).isEqualTo(1);
        assertThat(DemoContract.offloadTable(payload("rows", 60_000)).get("rows")).isEqualTo(50_000);
        assertThat(DemoContract.offloadTable(payload("rows", "many")).get("rows")).isEqualTo(10_000);
        assertThat(new String(DemoContract.toJson(DemoContract.offloadTable(2)), StandardCharsets.UTF_8))
                .isEqualTo("{\"rows\":2,\"sample\":[{\"id\":0,\"value\":0},{\"id\":1,\"value\":1}]}");
        assertThat(new String(DemoContract.toJson(DemoContract.health()), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true}");
    }

    @Test
    void fakeDbReadsItsSettingsAndStopsWhenCancelled() throws InterruptedException {
        FakeDb db = FakeDb.fromEnvironment(Map.of("MOLT_FAKE_DB_DELAY_MS", "60000", "MOLT_FAKE_DB_DECODE_US_PER_ROW", " 3 ",
                "MOLT_FAKE_DB_CPU_ITERS", "10"));
        assertThat(db.delayMs()).isEqualTo(60_000);
        assertThat(db.decodeUsPerRow()).isEqualTo(3);
        assertThat(db.cpuIters()).isEqualTo(10);
        assertThat(FakeDb.fromEnvironment(Map.of()).isFree()).isTrue();
        assertThatThrownBy(() -> FakeDb.fromEnvironment(Map.of("MOLT_FAKE_DB_DELAY_MS", "soon")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MOLT_FAKE_DB_DELAY_MS");
        assertThatThrownBy(() -> new FakeDb(-1, 0, 0)).hasMessageContaining("delayMs must be >= 0");

        // cancelled from another thread, which then unparks the sleeper as a worker does
        AtomicBoolean cancelled = new AtomicBoolean();
        Thread sleeper = Thread.currentThread();
        Thread canceller = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            cancelled.set(true);
            LockSupport.unpark(sleeper);
        });
        long t0 = System.nanoTime();
        canceller.start();
        boolean completed = db.simulateQuery(10, cancelled::get);
        assertThat(completed).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000L);
        canceller.join();

        FakeDb costly = new FakeDb(20, 50, 1000);
        long t1 = System.nanoTime();
        assertThat(costly.simulateQuery(20, () -> false)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).as("20 ms + 20 rows * 50 us").isGreaterThanOrEqualTo(20L);
        assertThat(DemoContract.listItems(new ListItemsQuery(1, null, null, null, 2), costly))
                .isEqualTo(DemoContract.listItems(new ListItemsQuery(1, null, null, null, 2), FakeDb.FREE));
    }

    @Test
    void computeStopsWhenCancelled() {
        List<Integer> many = java.util.Collections.nCopies(100_000, 1);
        AtomicBoolean cancelled = new AtomicBoolean(true);
        Map<String, Object> partial = DemoContract.compute(payload("values", many), cancelled::get);
        assertThat((List<?>) partial.get("scaled")).as("stopped at the first check").hasSizeLessThan(5_000);
        Map<String, Object> full = DemoContract.compute(payload("values", many), () -> false);
        assertThat((List<?>) full.get("scaled")).hasSize(100_000);
        assertThat(full.get("sum")).isEqualTo(100_000.0);
    }

    @Test
    void aCostlyRowStopsWithinItsCpuWorkAndItsDecodeWait() {
        // one row worth minutes of CPU, or of busy-waiting: a check per row alone would not stop it
        AtomicBoolean cancelled = new AtomicBoolean();
        Thread canceller = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            cancelled.set(true);
        });
        long t0 = System.nanoTime();
        canceller.start();
        assertThat(new FakeDb(0, 0, 1_000_000_000_000L).simulateQuery(1, cancelled::get)).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);

        AtomicBoolean cancelled2 = new AtomicBoolean();
        Thread canceller2 = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            cancelled2.set(true);
        });
        long t1 = System.nanoTime();
        canceller2.start();
        assertThat(new FakeDb(0, 600_000_000L, 0).simulateQuery(1, cancelled2::get)).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).isLessThan(5_000L);
        try {
            canceller.join();
            canceller2.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
