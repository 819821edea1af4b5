package dev.molt.accel.test.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.worker.Export;
import dev.molt.accel.worker.MoltContext;
import dev.molt.accel.worker.MoltWorker;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link TestWorker} entries plus {@code echo_headers} (msgpack, any payload): answers
 * {@code {"headers": ctx.headers(), "trace_id": ctx.traceId() or nil}}, so tests can see what a
 * handler is given of a request's headers. Launch as a process
 * ({@code java -cp <test class path> dev.molt.accel.test.worker.HeadersWorker --stdio}) or
 * configure an in-process worker with {@link #configure(MoltWorker.Builder)}.
 */
public final class HeadersWorker {

    private HeadersWorker() {
    }

    public static void main(String[] args) {
        MoltWorker.runAndExit(args, HeadersWorker::configure);
    }

    /** What {@link TestWorker#configure} registers, and {@code echo_headers}. */
    public static void configure(MoltWorker.Builder builder) {
        TestWorker.configure(builder);
        builder.export(echoHeaders());
    }

    /** The {@code echo_headers} export alone. */
    public static Export echoHeaders() {
        return Export.of("echo_headers", Codec.MSGPACK, Codec.MSGPACK, Object.class, HeadersWorker::echo);
    }

    private static Map<String, Object> echo(Object payload, MoltContext ctx) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("headers", ctx.headers());
        out.put("trace_id", ctx.traceId().orElse(null));
        return out;
    }
}
