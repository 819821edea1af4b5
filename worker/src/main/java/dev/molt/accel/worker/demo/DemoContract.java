package dev.molt.accel.worker.demo;

import dev.molt.accel.contracts.DemoFields;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The demo contract (PROTOCOL.md section 12) as plain functions, shared by the worker's demo
 * exports and the demo application's in-process baseline so that both produce the same JSON,
 * byte for byte. Payload fields are read with the contract's rules ({@link DemoFields}: linear,
 * length-capped number parsing). Results are {@link LinkedHashMap}s in a fixed key order.
 * Stateless and thread-safe.
 */
public final class DemoContract {

    /** Rows produced by {@code offload_table} when none (or a non-integer) is asked for. */
    public static final int DEFAULT_ROWS = DemoFields.DEFAULT_ROWS;
    public static final int MAX_ROWS = DemoFields.MAX_ROWS;
    /** Sample rows returned by {@code offload_table} at most. */
    public static final int SAMPLE_ROWS = 8;

    private static final BooleanSupplier NEVER = () -> false;

    private DemoContract() {
    }

    // ------------------------------------------------------------------ list_items

    /** {@link #listItems(ListItemsQuery, FakeDb, BooleanSupplier)} that is never cancelled. */
    public static Map<String, Object> listItems(ListItemsQuery query, FakeDb db) {
        return listItems(query, db, NEVER);
    }

    /**
     * The list result: {@code {"items": [...], "next_cursor": "<user_id>:<limit>" or null,
     * "counts": {"open": n, "closed": n}}} with {@code limit} items whose keys are {@code id},
     * {@code created_at}, {@code status}, {@code title}, {@code score} and {@code unread}.
     *
     * <p>The simulated database costs are spent first; when {@code cancelled} turns true they stop
     * early and the result is still built (the caller decides whether to use it).
     *
     * @throws IllegalArgumentException when the ids would overflow a {@code long}
     */
    public static Map<String, Object> listItems(ListItemsQuery query, FakeDb db, BooleanSupplier cancelled) {
        int limit = query.limit();
        db.simulateQuery(limit, cancelled);
        long base;
        try {
            base = Math.addExact(Math.multiplyExact(Math.absExact(query.userId()), 1000L),
                    (long) len(query.q()) + len(query.status()) + len(query.cursor()));
            Math.addExact(base, limit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("user_id " + query.userId() + " is out of range");
        }
        List<Map<String, Object>> items = new ArrayList<>(limit);
        int open = 0;
        StringBuilder sb = new StringBuilder(20);
        for (int idx = 0; idx < limit; idx++) {
            long id = base + idx;
            boolean isOpen = idx % 2 == 0;
            if (isOpen) {
                open++;
            }
            sb.setLength(0);
            sb.append("2026-01-");
            twoDigits(sb, idx % 28 + 1);
            sb.append("T00:00:");
            twoDigits(sb, idx % 60);
            sb.append('Z');
            Map<String, Object> item = new LinkedHashMap<>(8);
            item.put("id", id);
            item.put("created_at", sb.toString());
            item.put("status", isOpen ? "open" : "closed");
            item.put("title", "Item " + id);
            item.put("score", (idx % 100) / 100.0);
            item.put("unread", idx % 3 == 0);
            items.add(item);
        }
        Map<String, Object> counts = new LinkedHashMap<>(4);
        counts.put("open", open);
        counts.put("closed", items.size() - open);
        Map<String, Object> result = new LinkedHashMap<>(4);
        result.put("items", items);
        result.put("next_cursor", items.isEmpty() ? null : query.userId() + ":" + limit);
        result.put("counts", counts);
        return result;
    }

    /** {@link #listItems(ListItemsQuery, FakeDb)} as compact JSON bytes. */
    public static byte[] listItemsJson(ListItemsQuery query, FakeDb db) {
        return toJson(listItems(query, db));
    }

    /** {@link #listItems(ListItemsQuery, FakeDb, BooleanSupplier)} as compact JSON bytes. */
    public static byte[] listItemsJson(ListItemsQuery query, FakeDb db, BooleanSupplier cancelled) {
        return toJson(listItems(query, db, cancelled));
    }

    /** Length in code points, as the contract's reference implementation counts characters. */
    private static int len(String s) {
        return s == null ? 0 : s.codePointCount(0, s.length());
    }

    private static void twoDigits(StringBuilder sb, int v) {
        sb.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    // ------------------------------------------------------------------ compute

    /** Values scaled between two checks of the cancellation flag. */
    private static final int COMPUTE_CHECK_EVERY = 4096;

    /**
     * {@code compute} from a loosely typed payload map with {@code values}, {@code scale} and
     * {@code offset}; see {@link #compute(Object, Object, Object)}.
     *
     * @throws IllegalArgumentException when the payload is not a map or a value is not a number
     */
    public static Map<String, Object> compute(Object payload) {
        return compute(payload, NEVER);
    }

    /**
     * As {@link #compute(Object)}; stops scaling early when {@code cancelled} turns true (checked
     * every few thousand values) and returns what it has (the caller decides whether to use it).
     */
    public static Map<String, Object> compute(Object payload, BooleanSupplier cancelled) {
        Map<String, Object> m = DemoFields.payloadMap(payload);
        return compute(m.get("values"), m.get("scale"), m.get("offset"), cancelled);
    }

    /**
     * {@code {"count": n, "sum": s, "scaled": [v * scale + offset...]}} where {@code sum} is the sum
     * of the scaled values (PROTOCOL.md section 12).
     *
     * @param values a list of numbers or a comma-separated string of numbers ({@code null} or a
     *     blank string: no values)
     * @param scale a number, default 1.0
     * @param offset a number, default 0.0
     * @throws IllegalArgumentException when anything is not a number
     */
    public static Map<String, Object> compute(Object values, Object scale, Object offset) {
        return compute(values, scale, offset, NEVER);
    }

    private static Map<String, Object> compute(Object values, Object scale, Object offset, BooleanSupplier cancelled) {
        double[] v = DemoFields.values(values);
        double s = DemoFields.scale(scale);
        double o = DemoFields.offset(offset);
        double sum = 0.0;
        List<Double> scaled = new ArrayList<>(v.length);
        for (int i = 0; i < v.length; i++) {
            if (i % COMPUTE_CHECK_EVERY == COMPUTE_CHECK_EVERY - 1 && cancelled.getAsBoolean()) {
                break;
            }
            double x = v[i] * s + o;
            sum += x;
            scaled.add(x);
        }
        Map<String, Object> result = new LinkedHashMap<>(4);
        result.put("count", v.length);
        result.put("sum", sum);
        result.put("scaled", scaled);
        return result;
    }

    // ------------------------------------------------------------------ offload_table, health

    /** {@code offload_table} from a payload map with {@code rows}; see {@link #offloadTable(int)}. */
    public static Map<String, Object> offloadTable(Object payload) {
        return offloadTable(rowsOf(DemoFields.payloadMap(payload).get("rows")));
    }

    /**
     * The effective row count for a raw value: an integer clamped to 1..50000, {@value #DEFAULT_ROWS}
     * when absent or not an integer.
     *
     * @throws IllegalArgumentException when the value is too long or out of range
     */
    public static int rowsOf(Object raw) {
        return DemoFields.rows(raw);
    }

    /**
     * {@code {"rows": rows, "sample": [{"id": i, "value": i % 7}...]}} with up to
     * {@value #SAMPLE_ROWS} sample rows; {@code rows} is clamped to 1..50000.
     */
    public static Map<String, Object> offloadTable(int rows) {
        int n = Math.max(1, Math.min(MAX_ROWS, rows));
        int samples = Math.min(n, SAMPLE_ROWS);
        List<Map<String, Object>> sample = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            Map<String, Object> row = new LinkedHashMap<>(4);
            row.put("id", i);
            row.put("value", i % 7);
            sample.add(row);
        }
        Map<String, Object> result = new LinkedHashMap<>(4);
        result.put("rows", n);
        result.put("sample", sample);
        return result;
    }

    /** {@code {"ok": true}}. */
    public static Map<String, Object> health() {
        Map<String, Object> result = new LinkedHashMap<>(2);
        result.put("ok", true);
        return result;
    }

    /** Compact JSON, as the worker encodes {@code json} results. */
    public static byte[] toJson(Object value) {
        return Payloads.encode(Codec.JSON, value);
    }
}
