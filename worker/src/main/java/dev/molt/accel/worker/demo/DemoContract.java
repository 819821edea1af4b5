package dev.molt.accel.worker.demo;

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
 * byte for byte. Results are {@link LinkedHashMap}s in a fixed key order. Stateless and
 * thread-safe.
 */
public final class DemoContract {

    /** Rows produced by {@code offload_table} when none (or a non-integer) is asked for. */
    public static final int DEFAULT_ROWS = 10_000;
    public static final int MAX_ROWS = 50_000;
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

    /**
     * {@code compute} from a loosely typed payload map with {@code values}, {@code scale} and
     * {@code offset}; see {@link #compute(Object, Object, Object)}.
     *
     * @throws IllegalArgumentException when the payload is not a map or a value is not a number
     */
    public static Map<String, Object> compute(Object payload) {
        Map<String, Object> m = Values.asMap(payload);
        return compute(m.get("values"), m.get("scale"), m.get("offset"));
    }

    /**
     * {@code {"count": n, "sum": s, "scaled": [v * scale + offset...]}}.
     *
     * @param values a list of numbers or a comma-separated string of numbers ({@code null} or a
     *     blank string: no values)
     * @param scale a number, default 1.0
     * @param offset a number, default 0.0
     * @throws IllegalArgumentException when anything is not a number
     */
    public static Map<String, Object> compute(Object values, Object scale, Object offset) {
        double[] v = parseValues(values);
        double s = numberOr(scale, 1.0, "scale");
        double o = numberOr(offset, 0.0, "offset");
        double sum = 0.0;
        List<Double> scaled = new ArrayList<>(v.length);
        for (double x : v) {
            sum += x;
            scaled.add(x * s + o);
        }
        Map<String, Object> result = new LinkedHashMap<>(4);
        result.put("count", v.length);
        result.put("sum", sum);
        result.put("scaled", scaled);
        return result;
    }

    private static double[] parseValues(Object values) {
        if (values == null) {
            return new double[0];
        }
        if (values instanceof String s) {
            if (s.isBlank()) {
                return new double[0];
            }
            String[] parts = s.split(",", -1);
            double[] out = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                Double d = Values.number(parts[i]);
                if (d == null) {
                    throw new IllegalArgumentException("values[" + i + "] is not a number: '" + shorten(parts[i]) + "'");
                }
                out[i] = d;
            }
            return out;
        }
        if (values instanceof List<?> list) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                Object e = list.get(i);
                Double d = e instanceof Number || e instanceof String ? Values.number(e) : null;
                if (d == null) {
                    throw new IllegalArgumentException("values[" + i + "] is not a number");
                }
                out[i] = d;
            }
            return out;
        }
        throw new IllegalArgumentException("values must be a list of numbers or a comma-separated string, got "
                + Values.typeName(values));
    }

    private static double numberOr(Object v, double dflt, String name) {
        if (v == null) {
            return dflt;
        }
        Double d = Values.number(v);
        if (d == null) {
            throw new IllegalArgumentException(name + " must be a number");
        }
        return d;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    // ------------------------------------------------------------------ offload_table, health

    /** {@code offload_table} from a payload map with {@code rows}; see {@link #offloadTable(int)}. */
    public static Map<String, Object> offloadTable(Object payload) {
        return offloadTable(rowsOf(Values.asMap(payload).get("rows")));
    }

    /**
     * The effective row count for a raw value: an integer clamped to 1..50000, {@value #DEFAULT_ROWS}
     * when absent or not an integer.
     */
    public static int rowsOf(Object raw) {
        Long v = Values.integer(raw);
        if (v == null) {
            return DEFAULT_ROWS;
        }
        return (int) Math.max(1, Math.min(MAX_ROWS, v));
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
