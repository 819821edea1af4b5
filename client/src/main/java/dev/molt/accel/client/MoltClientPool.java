package dev.molt.accel.client;

import dev.molt.accel.client.internal.ClientCore;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MoltClient} over several worker processes, or several connections to remote workers
 * ({@link MoltClientBuilder#endpoints}). Each call goes to the worker with the fewest
 * calls in flight (ties round-robin); a worker that fails is replaced without stopping the others.
 * Thread-safe; {@link #close()} ends every process and thread the pool started. Build with
 * {@code MoltClient.builder().poolSize(n).build()}.
 */
public final class MoltClientPool implements MoltClient {

    private final ClientCore core;

    MoltClientPool(MoltClientBuilder b, WorkerLauncher launcher) {
        this.core = b.newEngine(launcher, b.poolSize);
    }

    MoltClientPool(MoltClientBuilder b, dev.molt.accel.client.internal.Transport transport, int size) {
        this.core = b.newEngine(transport, size);
    }

    /** The engine, for tests that drive its fake ticker. */
    ClientCore core() {
        return core;
    }

    /**
     * Worker positions in use now, the same figure as {@link ClientStats#size() stats().size()}:
     * {@code poolSize} when built, more while an elastic pool ({@link MoltClientBuilder#maxPoolSize})
     * has grown; for {@link MoltClientBuilder#endpoints endpoints}, the addresses found times the
     * connections per endpoint, following each re-resolution. A position counts whether or not its
     * worker is up at the moment ({@link ClientStats#workers()} counts those that are). A client
     * built with one position (one worker, or endpoints that resolved to one address) is not a
     * {@code MoltClientPool}; {@code stats().size()} gives the figure for every client.
     */
    public int size() {
        return core.activeSlots();
    }

    /**
     * Calls in flight on the worker at position {@code index} (0-based, below {@link #size()}); 0
     * while the position has no worker.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not below {@link #size()} now
     */
    public int inFlight(int index) {
        int size = size();
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside 0.." + (size - 1));
        }
        return core.inFlight(index);
    }

    @Override
    public MoltResult call(String entry, Object payload, CallOptions options) {
        return core.call(entry, payload, options);
    }

    @Override
    public CompletableFuture<MoltResult> callAsync(String entry, Object payload, CallOptions options) {
        return core.callAsync(entry, payload, options);
    }

    @Override
    public CallOptions defaultOptions() {
        return core.defaultOptions();
    }

    @Override
    public void start() {
        core.start();
    }

    @Override
    public void ping(Duration timeout) {
        core.ping(timeout);
    }

    @Override
    public ClientStats stats() {
        return core.stats();
    }

    @Override
    public java.util.List<WorkerInfo> workers() {
        return core.workers();
    }

    @Override
    public java.util.List<EndpointState> endpoints() {
        return core.endpoints();
    }

    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return "MoltClientPool[" + core.stats() + "]";
    }
}
