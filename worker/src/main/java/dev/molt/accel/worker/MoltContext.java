package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link MoltHandler} knows about the request it is handling: its id and entry, its
 * headers, its deadline, whether it was cancelled, and a place for metrics returned with the
 * response.
 *
 * <h2>What a deadline can and cannot stop</h2>
 * At the deadline (or on a {@code __cancel__}, or at shutdown) the runtime answers the request
 * {@code Timeout} ({@code Cancelled}) at once, whatever the handler is doing, and discards any later
 * result. It then <em>interrupts</em> the handler's thread, so a handler blocked in
 * {@code Thread.sleep}, {@code BlockingQueue.take}/{@code poll}, {@code Future.get},
 * {@code Object.wait}, {@code LockSupport.park} or interruptible I/O stops at once with an
 * {@link InterruptedException} (or a wake-up). What it cannot stop is a handler that computes
 * without blocking and without looking: a JVM has no safe way to kill a thread, so such a handler
 * keeps its worker thread (and a CPU) busy until it returns, and requests behind it wait in the
 * queue. Long loops should therefore call {@link #throwIfCancelled()} (or check
 * {@link #isCancelled()}) every few milliseconds of work, and blocking calls should take their
 * timeout from {@link #remaining()}. Two consequences of the interrupt: a handler that catches
 * {@link InterruptedException} should return (or rethrow) rather than carry on, and an
 * {@link java.nio.channels.InterruptibleChannel} (a {@code FileChannel}, a socket channel) in use by
 * the handler is closed by the interrupt, as with {@code Future.cancel(true)}: give such channels
 * to one request only, or reopen them. {@code __ping__} and {@code __cancel__} are answered by the
 * reader thread, never behind the queue, so a worker whose threads are all stuck still answers them.
 *
 * <p>Thread-safe: a handler may hand its context to helper threads. It belongs to one request and
 * must not be kept after the handler returns. Nothing to close.
 */
public interface MoltContext {

    /** The request id, an unsigned 64-bit value held in a {@code long} (see {@link Long#toUnsignedString}). */
    long requestId();

    /** The entry (export name) the request called. */
    String entry();

    /** The codec of the request payload. */
    Codec requestCodec();

    /** The codec the result is encoded with (a returned {@code byte[]} must already be in it). */
    Codec responseCodec();

    /**
     * The request's headers (PROTOCOL.md section 3: trace context, baggage, a correlation id):
     * unmodifiable, empty when the request had none. At most 32 entries and 8 KiB; a request over
     * those limits is answered {@code InvalidInput} before any handler runs.
     */
    default Map<String, String> headers() {
        return Map.of();
    }

    /**
     * The W3C trace id of the request: the 32 lowercase hex characters of its {@code traceparent}
     * header ({@code 00-<32 hex>-<16 hex>-<2 hex>}), or {@link Optional#empty()} when the header is
     * absent or malformed (another version or length, upper case, an all-zero id). Checked in one
     * pass over at most 55 characters.
     */
    default Optional<String> traceId() {
        return TraceParent.traceId(headers().get(TraceParent.HEADER));
    }

    /** Whether the request carries a worker-side deadline ({@code timeout_ms > 0}). */
    boolean hasDeadline();

    /**
     * The deadline in {@link System#nanoTime()} terms; only meaningful when {@link #hasDeadline()}.
     */
    long deadlineNanos();

    /**
     * Nanoseconds left before the deadline: 0 or negative once it passed, {@link Long#MAX_VALUE}
     * when there is no deadline.
     */
    long remainingNanos();

    /**
     * Time left before the deadline: {@link Duration#ZERO} once it passed, a practically infinite
     * duration when there is no deadline.
     */
    default Duration remaining() {
        return Duration.ofNanos(Math.max(0L, remainingNanos()));
    }

    /**
     * Whether the handler should stop: a {@code __cancel__} arrived for this request, its deadline
     * passed, or the worker is shutting down. Once true, stays true; any result is discarded.
     *
     * <p>When it turns true, the thread running the handler is interrupted (see the class
     * documentation): a handler waiting with {@code LockSupport.parkNanos} or {@code Thread.sleep}
     * for the rest of its time notices at once, without polling, as long as it checks this method
     * after every wake-up (which may also be spurious). The runtime clears the interrupt status
     * when the handler returns.
     */
    boolean isCancelled();

    /**
     * Throws {@link RequestCancelledException} when {@link #isCancelled()}; a cheap check meant to be
     * called often from long loops.
     */
    void throwIfCancelled();

    /**
     * Adds a metric to the response (PROTOCOL.md section 7), for example {@code db_row_count}. The
     * worker's own keys ({@code exec_us}, ...) take precedence over a handler's.
     *
     * @param value an unsigned value
     * @throws IllegalArgumentException when {@code value} is negative or {@code key} empty
     */
    void putMetric(String key, long value);

    /**
     * Adds a string metric to the response, for example {@code db_tag}.
     *
     * @throws IllegalArgumentException when {@code key} is empty
     * @throws NullPointerException when {@code key} or {@code value} is null
     */
    void putMetric(String key, String value);

    /**
     * A rejection of this request whose message is safe to show to the end user: throw it
     * ({@code throw ctx.reject("quantity must be positive")}). The request is answered
     * {@code InvalidInput} with the message marked as safe (see {@link MoltRejectedException}).
     */
    default MoltRejectedException reject(String message) {
        return new MoltRejectedException(message);
    }
}
