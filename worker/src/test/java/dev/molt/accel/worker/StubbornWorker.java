package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker process whose handlers ignore deadlines in the ways export authors do, for tests of what
 * a deadline can stop (msgpack in and out):
 * <ul>
 *   <li>{@code spin} {@code {"ms": N}}: computes for N ms, never checks cancellation, swallows
 *       interrupts.</li>
 *   <li>{@code sleep} {@code {"ms": N}}: {@code Thread.sleep(N)}, no cancellation check.</li>
 *   <li>{@code take}: {@code BlockingQueue.take()} on a queue nobody fills.</li>
 *   <li>{@code stats}: {@code {"running": r, "interrupted": i}}: handlers running now, handlers
 *       that ended by an interrupt.</li>
 * </ul>
 */
public final class StubbornWorker {

    private static final AtomicLong RUNNING = new AtomicLong();
    private static final AtomicLong INTERRUPTED = new AtomicLong();

    private StubbornWorker() {
    }

    public static void main(String[] args) {
        MoltWorker.runAndExit(args, b -> b.exports(exports()));
    }

    static List<Export> exports() {
        return List.of(
                Export.of("spin", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms(p));
                    RUNNING.incrementAndGet();
                    try {
                        long x = 0;
                        while (System.nanoTime() - end < 0) {
                            x += Long.numberOfTrailingZeros(x + 1); // busy, checks nothing
                        }
                        return Map.of("spun", x >= 0);
                    } finally {
                        RUNNING.decrementAndGet();
                    }
                }),
                Export.of("sleep", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> blocking(() -> {
                    Thread.sleep(ms(p));
                    return Map.of("slept", ms(p));
                })),
                Export.of("take", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> blocking(() -> {
                    return Map.of("took", new LinkedBlockingQueue<String>().take());
                })),
                Export.of("stats", Codec.MSGPACK, Codec.MSGPACK, Object.class,
                        (p, ctx) -> Map.of("running", RUNNING.get(), "interrupted", INTERRUPTED.get())));
    }

    private interface Blocking {
        Object run() throws InterruptedException;
    }

    private static Object blocking(Blocking body) throws InterruptedException {
        RUNNING.incrementAndGet();
        try {
            return body.run();
        } catch (InterruptedException e) {
            INTERRUPTED.incrementAndGet();
            throw e;
        } finally {
            RUNNING.decrementAndGet();
        }
    }

    static long runningNow() {
        return RUNNING.get();
    }

    static long interruptedSoFar() {
        return INTERRUPTED.get();
    }

    private static long ms(Object payload) {
        return ((Number) ((Map<?, ?>) payload).get("ms")).longValue();
    }
}
