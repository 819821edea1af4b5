package dev.molt.accel.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Calls exports of worker processes that speak the Molt stdio protocol.
 *
 * <p>A client owns its worker processes (one, or several for a {@link MoltClientPool}) and the
 * threads that serve them: one stdout reader and one stderr drainer per process, plus one timer,
 * a few lifecycle threads and a small callback pool per client (see
 * {@link MoltClientBuilder#callbackExecutor}). It is thread-safe and meant to be shared: many threads may have many calls in
 * flight at once. Workers start on first use or at {@link #start()}; a worker that dies, times out
 * without answering, or sends garbage is replaced while calls go on. {@link #close()} ends every
 * process and thread it started.
 *
 * <h2>Delivery</h2>
 * A call is sent at most once unless it is {@linkplain CallOptions#idempotent() idempotent}: an
 * idempotent call may be re-sent after its worker died ({@code maxRestarts}), after {@code Busy}
 * ({@code retryOnBusy}) or after a timeout ({@code retryOnTimeout}). When a call fails with
 * {@link MoltWorkerUnavailableException}, {@link MoltTimeoutException}, {@link MoltCancelledException}
 * or {@link MoltProtocolException}, the worker may already have run it; {@link MoltBusyException}
 * means it did not.
 */
public interface MoltClient extends AutoCloseable {

    /** A builder for a client over one worker process, or a pool with {@code poolSize > 1}. */
    static MoltClientBuilder builder() {
        return new MoltClientBuilder();
    }

    /**
     * Calls {@code entry} and waits for its result. An interrupt cancels the call (a
     * {@code __cancel__} is sent), restores the interrupt flag and throws
     * {@link MoltCancelledException}.
     *
     * @param payload the value to encode with the options' codec, or a {@code byte[]} already in
     *     that codec (sent as is)
     * @throws MoltAccelException a subclass naming the failure
     */
    MoltResult call(String entry, Object payload, CallOptions options);

    /** {@link #call(String, Object, CallOptions)} with the client's default options. */
    default MoltResult call(String entry, Object payload) {
        return call(entry, payload, defaultOptions());
    }

    /**
     * Sends a call and returns at once. The future completes with the result, or exceptionally
     * with a {@link MoltAccelException}, on the client's callback executor: code chained on it
     * never runs on the client's reader or timer threads. Cancelling the future cancels the call: a
     * {@code __cancel__} is sent to the worker and the call's resources are released at once.
     */
    CompletableFuture<MoltResult> callAsync(String entry, Object payload, CallOptions options);

    /** {@link #callAsync(String, Object, CallOptions)} with the client's default options. */
    default CompletableFuture<MoltResult> callAsync(String entry, Object payload) {
        return callAsync(entry, payload, defaultOptions());
    }

    /** The options used when a call names none. */
    CallOptions defaultOptions();

    /**
     * Starts the worker processes now, if they are not running, and waits until each answered a
     * {@code __ping__}. A client with {@linkplain MoltClientBuilder#endpoints endpoints} starts with
     * those that answer and keeps trying the others in the background.
     *
     * @throws MoltWorkerUnavailableException when a worker cannot be started or does not answer (for
     *     endpoints: when none answers, naming each and why)
     */
    void start();

    /**
     * Sends a {@code __ping__} to every worker (starting them when needed) and waits for the answers.
     * A client with endpoints succeeds when at least one endpoint answers.
     *
     * @throws MoltAccelException when a worker does not answer in time
     */
    void ping(Duration timeout);

    /**
     * Asks a worker which exports it serves ({@code __exports__}, PROTOCOL.md section 5), starting
     * one when needed. Empty when the worker cannot say: it answers "Unknown entry" (an older or
     * foreign worker), or its answer is no manifest. Meant for start-up checks and tools, not for
     * the hot path: one call, no caching. Like a ping, the question is not counted in
     * {@link #stats()} nor reported to listeners.
     *
     * @throws MoltAccelException when the worker cannot be reached or does not answer within
     *     {@code timeout}
     */
    default java.util.Optional<dev.molt.accel.protocol.ServedExports> exports(Duration timeout) {
        MoltResult r;
        try {
            r = call(dev.molt.accel.protocol.Entries.EXPORTS, new byte[0], CallOptions.builder()
                    .codec(dev.molt.accel.protocol.Codec.RAW).timeout(timeout).decodeResponse(false).build());
        } catch (MoltInvalidInputException e) {
            return java.util.Optional.empty(); // "Unknown entry '__exports__'.": this worker cannot say
        }
        try {
            return java.util.Optional.of(dev.molt.accel.protocol.ServedExports.parse(r.bytes()));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** A snapshot of the client's state and counters. */
    ClientStats stats();

    /**
     * A snapshot of each worker of the client (taking calls, spare or draining), for diagnostics;
     * never starts one. May read {@code /proc} once per worker: not for a hot path. By default the
     * process ids of {@link #stats()}, ready, with nothing else known.
     */
    default java.util.List<WorkerInfo> workers() {
        java.util.List<WorkerInfo> out = new java.util.ArrayList<>();
        for (Long pid : stats().pids()) {
            out.add(new WorkerInfo(Long.toString(pid), "ready", 0, 0, Duration.ZERO, -1));
        }
        return out;
    }

    /**
     * The state of each worker endpoint (one per address a host name resolves to), for a client
     * built with {@link MoltClientBuilder#endpoints}; empty for child processes.
     */
    default java.util.List<EndpointState> endpoints() {
        return java.util.List.of();
    }

    /**
     * Stops taking calls, fails the calls still in flight with {@link MoltWorkerUnavailableException},
     * and closes the workers in parallel: stdin EOF, wait, SIGTERM, wait, SIGKILL to the worker and
     * its whole process tree, each step bounded by {@code closeTimeout}; returns within about three
     * steps whatever the workers do (a writer blocked on a full pipe fails instead of holding it).
     * Idempotent.
     */
    @Override
    void close();
}
