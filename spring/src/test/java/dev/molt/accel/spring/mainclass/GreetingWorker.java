package dev.molt.accel.spring.mainclass;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.worker.Export;
import dev.molt.accel.worker.MoltWorker;
import java.util.Map;

/**
 * A worker of the test application's own, started through {@code molt.accel.worker.main-class}:
 * it lives in the test sources, so it is found only if the worker gets this JVM's class path.
 */
public final class GreetingWorker {

    /** The request of {@code greet}. */
    public record Greeting(String name) {
    }

    private GreetingWorker() {
    }

    public static void main(String[] args) {
        MoltWorker.runAndExit(args, b -> b.export(Export.of("greet", Codec.MSGPACK, Codec.MSGPACK, Greeting.class,
                (req, ctx) -> {
                    if (req == null || req.name() == null || req.name().isBlank()) {
                        throw new IllegalArgumentException("name is required");
                    }
                    return Map.of("hello", req.name(), "pid", ProcessHandle.current().pid());
                })));
    }
}
