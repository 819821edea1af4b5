package dev.molt.accel.client.internal;

import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import java.util.Map;

/**
 * The engine's access to {@link MoltResult}'s non-public constructor, installed by {@code MoltResult}
 * itself when its class is initialized, so that results stay impossible to forge from outside.
 */
public final class Results {

    /** Makes results; implemented inside {@code MoltResult}. */
    public interface Factory {
        MoltResult result(String entry, long requestId, Codec codec, byte[] bytes, boolean decode,
                Map<String, Object> workerMetrics, long clientNanos, int payloadBytes, String worker);

        Map<String, Object> mergeMetrics(Map<String, Object> worker, long clientNanos, int payloadBytes,
                int responseBytes);
    }

    private static volatile Factory factory;

    private Results() {
    }

    /** Called once by {@code MoltResult}'s static initializer. */
    public static void install(Factory f) {
        if (factory == null) {
            factory = f;
        }
    }

    static Factory factory() {
        Factory f = factory;
        if (f == null) {
            try {
                Class.forName(MoltResult.class.getName(), true, MoltResult.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            f = factory;
        }
        return f;
    }
}
