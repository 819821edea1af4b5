package dev.molt.accel.test;

import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.worker.MoltWorker;
import dev.molt.accel.worker.demo.DemoExports;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A worker served inside the test's JVM: the Java worker runtime ({@link MoltWorker}) with the
 * exports you give, reached over the client's in-memory transport
 * ({@link MoltClientBuilder#inMemoryWorker}). Calls go through the same frames, envelopes, codecs,
 * deadlines and cancellation as with a worker process, but nothing is spawned: a context starts in
 * milliseconds, and a debugger stops in the export's code.
 *
 * <p>What it does not show: the worker process itself (its class path, start-up, memory, crash and
 * restart); test those with {@link dev.molt.accel.test.worker.TestWorker} processes.
 *
 * <p>In a Spring test use {@link AutoConfigureMoltWorker}; with a plain client:
 * {@code MoltInProcessWorker.configure(MoltClient.builder(), MyExports::configure).build()}.
 * Stateless; the client owns what it starts: each of its workers is a daemon thread that ends when
 * the client closes it.
 */
public final class MoltInProcessWorker {

    /** How long an in-process worker waits for accepted calls once its client closes it. */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

    private MoltInProcessWorker() {
    }

    /** Makes {@code builder}'s workers in-process workers serving {@code exports}. */
    public static MoltClientBuilder configure(MoltClientBuilder builder, MoltInProcessExports exports) {
        return configure(builder, List.of(exports));
    }

    /** Makes {@code builder}'s workers in-process workers serving all of {@code exports}, in order. */
    public static MoltClientBuilder configure(MoltClientBuilder builder, List<MoltInProcessExports> exports) {
        Objects.requireNonNull(builder, "builder");
        return builder.endpoints(List.of()).inMemoryWorker("in-process worker", server(exports));
    }

    /**
     * Serves one connection per call ({@code (in, out)}) with one {@link MoltWorker} built once
     * from {@code exports}.
     */
    public static BiConsumer<InputStream, OutputStream> server(List<MoltInProcessExports> exports) {
        MoltWorker.Builder b = MoltWorker.builder().drainTimeout(DRAIN_TIMEOUT);
        for (MoltInProcessExports e : exports) {
            e.configure(b);
        }
        MoltWorker worker = b.build();
        return worker::serve;
    }

    /** The exports of the bundled worker ({@code molt-worker}): the demo exports. */
    public static MoltInProcessExports bundledExports() {
        return DemoExports::register;
    }

    /**
     * The exports of {@code type}: an instance when it implements {@link MoltInProcessExports}
     * (public no-argument constructor), else its {@code public static void configure(MoltWorker.Builder)}
     * (or {@code register(...)}) method, the one a worker's {@code main} passes to
     * {@link MoltWorker#runAndExit}.
     *
     * @throws IllegalArgumentException when {@code type} has neither, naming it
     */
    public static MoltInProcessExports exportsOf(Class<?> type) {
        if (MoltInProcessExports.class.isAssignableFrom(type)) {
            try {
                return (MoltInProcessExports) type.getConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException(type.getName() + " implements MoltInProcessExports but has no "
                        + "public no-argument constructor that works: " + e, e);
            }
        }
        Method m = staticConfigure(type, "configure");
        if (m == null) {
            m = staticConfigure(type, "register");
        }
        if (m == null) {
            throw new IllegalArgumentException(type.getName() + " has no public static void configure(MoltWorker.Builder) "
                    + "(or register) method and does not implement " + MoltInProcessExports.class.getName());
        }
        Method method = m;
        return builder -> {
            try {
                method.invoke(null, builder);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static Method staticConfigure(Class<?> type, String name) {
        try {
            Method m = type.getMethod(name, MoltWorker.Builder.class);
            return Modifier.isStatic(m.getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
