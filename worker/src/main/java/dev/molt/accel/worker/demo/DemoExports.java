package dev.molt.accel.worker.demo;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.worker.Export;
import dev.molt.accel.worker.MoltContext;
import dev.molt.accel.worker.MoltWorker;
import java.util.List;
import java.util.Map;

/**
 * The demo exports of the default manifest (PROTOCOL.md sections 8 and 12): {@code list_items}
 * (msgpack -> json), {@code compute} (msgpack -> msgpack), {@code offload_table} (json -> json) and
 * {@code health} (json -> json). {@code db_query} and {@code db_exec} stay manifest-only.
 * Payloads are read with the contract's field rules (module {@code molt-accel-contracts}): a refused
 * field answers {@code InvalidInput}. The exports with loops ({@code list_items} with its simulated
 * database, {@code compute}) check {@link MoltContext#isCancelled()} as they go, so a request that
 * timed out or was cancelled stops using its worker thread within a few milliseconds.
 * Each export declares a small sample request, run by {@code --warmup} before the first call.
 * Stateless; the exports are thread-safe.
 */
public final class DemoExports {

    private DemoExports() {
    }

    /** Registers the demo exports with a database configured from the environment. */
    public static MoltWorker.Builder register(MoltWorker.Builder builder) {
        return builder.exports(exports(FakeDb.fromEnvironment()));
    }

    /** The demo exports over {@code db}. */
    public static List<Export> exports(FakeDb db) {
        return List.of(
                Export.of("list_items", Codec.MSGPACK, Codec.JSON, Object.class,
                        (payload, ctx) -> listItems(payload, ctx, db))
                        .withSample(Map.of("user_id", 1, "q", "item", "status", "open", "limit", 20)),
                Export.of("compute", Codec.MSGPACK, Codec.MSGPACK, Object.class,
                        DemoExports::compute)
                        .withSample(Map.of("values", List.of(1.5, 2, 3.25), "scale", 2.0, "offset", 1)),
                Export.of("offload_table", Codec.JSON, Codec.JSON, Object.class,
                        (payload, ctx) -> DemoContract.offloadTable(payload))
                        .withSample(Map.of("rows", 10)),
                Export.of("health", Codec.JSON, Codec.JSON, Object.class,
                        (payload, ctx) -> DemoContract.health())
                        .withSample(Map.of()));
    }

    private static Object compute(Object payload, MoltContext ctx) {
        Map<String, Object> result = DemoContract.compute(payload, ctx::isCancelled);
        ctx.throwIfCancelled();
        return result;
    }

    private static byte[] listItems(Object payload, MoltContext ctx, FakeDb db) {
        ListItemsQuery query = ListItemsQuery.fromPayload(payload);
        Map<String, Object> result = DemoContract.listItems(query, db, ctx::isCancelled);
        ctx.throwIfCancelled();
        ctx.putMetric("db_row_count", ((List<?>) result.get("items")).size());
        ctx.putMetric("db_tag", "fake");
        return DemoContract.toJson(result);
    }
}
