package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltCancelledException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.client.MoltWorkerUnavailableException;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Wire;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link MoltClient} and {@link MoltClientPool}: the public calls, dispatch and
 * sending. Deadlines are the {@link Sweeper}'s, outcomes and retries {@link CallOutcomes}', worker
 * slots and life cycle the {@link WorkerSupervisor}'s. Its threading rules are those of the package
 * {@code dev.molt.accel.client.internal}.
 */
public final class ClientCore implements MoltClient {

    static final Logger log = LoggerFactory.getLogger(ClientCore.class);
    static final AtomicInteger CLIENT_IDS = new AtomicInteger();
    static final byte[] EMPTY = new byte[0];
    static final long CANCEL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    static final long NOT_ARMED = Long.MAX_VALUE;
    /** How long after a worker exited its stdout may stay open (buffered answers) before a descendant is blamed. */
    static final long EXIT_DRAIN_MILLIS = 200;
    /** How long a lone blocking caller spins before parking; {@code -Dmolt.accel.spinMicros=0} turns it off. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("molt.accel.spinMicros", 50));

    final int maxFrameBytes;
    final Wire wire;
    final Transport transport;
    final Duration startTimeout;
    final long closeStepMillis;
    final long cancelGraceNanos;
    final long retireLimitNanos;
    final Duration probeTimeout;
    final long restartBackoffNanos;
    final long restartBackoffMaxNanos;
    final int maxRestarts;
    final CallOptions defaultOptions;
    final GuardedListener listener;
    final String name;
    final LongSupplier ticker;
    final ThreadPoolExecutor lifecycle;
    final Executor callbacks;
    /** The callback executor when the client made it (and so shuts it down). */
    final ThreadPoolExecutor ownCallbacks;
    final Sweeper sweeper;
    final WorkerSupervisor supervisor;
    final WorkerWarmup warmup;
    final CallOutcomes outcomes;
    final PoolPolicy pool;
    /** Positions in use at the pool's size; an endpoints pool changes it as its names resolve to more or fewer addresses. */
    volatile int poolSize;
    final PoolMaintainer maintainer;
    /** The start, ping, reconnects and resizing of a pool of remote endpoints; {@code null} for other transports. */
    final EndpointsUpkeep endpoints;
    final Set<WorkerProcess> processes = ConcurrentHashMap.newKeySet();
    final AtomicInteger roundRobin = new AtomicInteger();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong restarts = new AtomicLong();
    final AtomicLong cancels = new AtomicLong();
    final AtomicLong starts = new AtomicLong();
    volatile String lastFailure;
    volatile boolean closed;

    /** An engine over {@code slotCount} workers reached through {@code transport}. */
    public ClientCore(EngineConfig b, Transport transport, int slotCount) {
        this.maxFrameBytes = b.maxFrameBytes();
        this.wire = b.wire();
        this.transport = transport;
        this.startTimeout = b.startTimeout();
        this.closeStepMillis = b.closeTimeout().toMillis();
        this.cancelGraceNanos = b.cancelGrace().toNanos();
        this.retireLimitNanos = b.cancelGrace().toNanos() + b.closeTimeout().toNanos();
        this.probeTimeout = b.probeTimeout();
        this.restartBackoffNanos = b.restartBackoff().toNanos();
        this.restartBackoffMaxNanos = b.restartBackoffMax().toNanos();
        this.maxRestarts = b.maxRestarts();
        this.defaultOptions = b.defaultOptions();
        this.listener = GuardedListener.of(b.listener());
        this.name = b.name();
        this.ticker = b.ticker();
        int id = CLIENT_IDS.incrementAndGet();
        this.sweeper = new Sweeper(this, id);
        this.lifecycle = EngineThreads.lifecycleExecutor(id);
        if (b.callbackExecutor() != null) {
            this.callbacks = b.callbackExecutor();
            this.ownCallbacks = null;
        } else {
            this.ownCallbacks = EngineThreads.callbackExecutor();
            this.callbacks = ownCallbacks;
        }
        this.outcomes = new CallOutcomes(this);
        this.warmup = new WorkerWarmup(b.warmup());
        this.pool = b.pool();
        this.poolSize = slotCount;
        int maxSlots = Math.max(slotCount, pool.maxPoolSize());
        this.endpoints = transport instanceof EndpointsTransport e ? new EndpointsUpkeep(this, e) : null;
        int capacity = transport instanceof EndpointsTransport e ? Math.max(maxSlots, e.maxSlotCount()) : maxSlots;
        this.supervisor = new WorkerSupervisor(this, slotCount, maxSlots, capacity, pool.scaleUpInFlight());
        this.maintainer = new PoolMaintainer(this, pool);
    }

    Executor callbacks() {
        return callbacks;
    }

    long now() {
        return ticker.getAsLong();
    }

    /** Runs blocking work on the lifecycle executor; dropped once the client is closing. */
    void onLifecycle(Runnable task) {
        try {
            lifecycle.execute(task);
        } catch (RejectedExecutionException e) {
            log.debug("Client '{}' is closing; lifecycle task dropped", name);
        }
    }

    // ---------------------------------------------------------------- public API

    @Override
    public MoltResult call(String entry, Object payload, CallOptions options) {
        Call call = newCall(entry, payload, options, false);
        try {
            awaitBriefly(call);
            MoltResult r = call.get();
            reportOnCaller(call);
            return r;
        } catch (InterruptedException e) {
            outcomes.cancel(call, "interrupted");
            Thread.currentThread().interrupt();
            throw new MoltCancelledException("Call to '" + entry + "' interrupted", entry, requestIdOf(call), e);
        } catch (ExecutionException e) {
            reportOnCaller(call);
            throw rethrow(e.getCause(), entry, call);
        } catch (CancellationException e) {
            throw new MoltCancelledException("Call to '" + entry + "' cancelled", entry, requestIdOf(call), e);
        }
    }

    /** A blocking call's hooks and listener run on its caller, once it woke up with the outcome. */
    void reportOnCaller(Call call) {
        String outcome = call.outcome;
        if (outcome != null) {
            outcomes.runResponseHooks(call, call.lastResponse, call.lastClientNanos);
            outcomes.ended(call, outcome);
        }
    }

    /**
     * Spins for a few microseconds before parking when this is the only call in flight. Parking
     * hands the answer over from the reader thread to the caller through a wake-up, and waking an
     * idle vCPU costs tens of microseconds, more than a small call's whole round trip. With other
     * calls in flight the caller parks at once and leaves the CPU to the worker and the reader.
     */
    void awaitBriefly(Call call) {
        if (SPIN_NANOS > 0 && inFlightAtMost(1)) {
            long end = System.nanoTime() + SPIN_NANOS;
            while (!call.isDone() && System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }
    }

    boolean inFlightAtMost(int n) {
        int total = 0;
        for (WorkerSlot s : supervisor.slots) {
            WorkerProcess w = s.current;
            if (w != null) {
                total += w.inFlight();
                if (total > n) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public CompletableFuture<MoltResult> callAsync(String entry, Object payload, CallOptions options) {
        return newCall(entry, payload, options, true);
    }

    Call newCall(String entry, Object payload, CallOptions options, boolean async) {
        if (entry == null || entry.isEmpty()) {
            throw new IllegalArgumentException("entry is empty");
        }
        if (options == null) {
            options = defaultOptions;
        }
        long now = now();
        if (closed) {
            Call failed = new Call(this, entry, EMPTY, options, null, async, now);
            failed.completeExceptionally(new MoltWorkerUnavailableException("The client is closed", entry, 0, null));
            return failed;
        }
        byte[] bytes;
        try {
            bytes = payload instanceof byte[] raw ? raw : Payloads.encode(options.codec(), payload);
        } catch (PayloadException e) {
            Call failed = new Call(this, entry, EMPTY, options, null, async, now);
            failed.completeExceptionally(new MoltInvalidInputException(e.getMessage(), entry, 0, e));
            return failed;
        }
        Call call = new Call(this, entry, bytes, options, null, async, now);
        if (!Entries.isReserved(entry)) {
            // a reserved entry (__exports__ asked through call()) is a control question, like a ping:
            // neither counted nor reported to listeners and meters
            calls.incrementAndGet();
            listener.callStarted(entry);
        }
        dispatch(call);
        return call;
    }

    @Override
    public CallOptions defaultOptions() {
        return defaultOptions;
    }

    @Override
    public void start() {
        if (endpoints != null) {
            endpoints.start();
            return;
        }
        List<CompletableFuture<WorkerProcess>> starting = new ArrayList<>();
        for (int i = 0; i < supervisor.activeSlots(); i++) {
            starting.add(supervisor.slots[i].ensureStarted());
        }
        for (CompletableFuture<WorkerProcess> f : starting) {
            join(f, null);
        }
    }

    @Override
    public void ping(Duration timeout) {
        if (endpoints != null) {
            endpoints.ping(timeout);
            return;
        }
        CallOptions options = CallOptions.builder().codec(Codec.RAW).timeout(timeout).build();
        List<CompletableFuture<MoltResult>> pings = new ArrayList<>();
        for (int i = 0; i < supervisor.activeSlots(); i++) {
            pings.add(supervisor.slots[i].ensureStarted().thenCompose(w -> pinnedPing(w, options)));
        }
        for (CompletableFuture<MoltResult> f : pings) {
            join(f, Entries.PING);
        }
    }

    Call pinnedPing(WorkerProcess w, CallOptions options) {
        Call ping = new Call(this, Entries.PING, EMPTY, options, w, false, now());
        send(w, ping);
        return ping;
    }

    @Override
    public ClientStats stats() {
        int workers = 0;
        int inFlight = 0;
        List<Long> pids = new ArrayList<>();
        for (WorkerSlot s : supervisor.slots) {
            WorkerProcess w = s.current;
            if (w != null && w.isAccepting()) {
                workers++;
                pids.add(w.pid);
            }
        }
        for (WorkerProcess w : processes) {
            inFlight += w.inFlight();
        }
        return new ClientStats(workers, inFlight, calls.get(), restarts.get(), cancels.get(), pids, lastFailure,
                maintainer.spares.size(), maintainer.recycles.get(), maintainer.probeReplacements.get(),
                supervisor.activeSlots());
    }

    @Override
    public List<dev.molt.accel.client.WorkerInfo> workers() {
        List<dev.molt.accel.client.WorkerInfo> out = new ArrayList<>();
        long nanos = System.nanoTime();
        for (WorkerProcess w : processes) {
            WorkerProcess.State s = w.state();
            String state = s == WorkerProcess.State.READY && maintainer.spares.contains(w) ? "spare"
                    : s.name().toLowerCase(java.util.Locale.ROOT);
            long rss = w.connection.isProcess() && s != WorkerProcess.State.DEAD ? PoolMaintainer.rssBytes(w.pid) : -1;
            WorkerSlot slot = s == WorkerProcess.State.READY ? supervisor.slotOf(w) : null;
            out.add(new dev.molt.accel.client.WorkerInfo(w.connection.peer(), state, w.inFlight(), w.sent(),
                    java.time.Duration.ofNanos(Math.max(0, nanos - w.startedNanos)), rss,
                    slot == null ? -1 : slot.index, slot == null ? 0 : slot.restarts.get(),
                    slot == null ? 0 : slot.recycles.get()));
        }
        return out;
    }

    @Override
    public List<dev.molt.accel.client.EndpointState> endpoints() {
        return endpoints == null ? List.of() : endpoints.states();
    }

    /** Worker positions in use now, as {@link ClientStats#size()} (without taking the rest of a snapshot). */
    public int activeSlots() {
        return supervisor.activeSlots();
    }

    /** Calls in flight on the slot's worker, for pool balancing. */
    public int inFlight(int slot) {
        WorkerProcess w = supervisor.slots[slot].current;
        return w == null ? 0 : w.inFlight();
    }

    /**
     * Bounded close: every step has {@code closeTimeout}, workers close in parallel under one
     * overall limit (three steps and a little), and a worker still there after it is killed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        supervisor.closeAll(closeStepMillis, ownCallbacks);
    }

    // ---------------------------------------------------------------- sending

    void dispatch(Call call) {
        supervisor.dispatch(call);
    }

    /** Sends one attempt of {@code call} to {@code w}, with the time its deadline leaves as {@code timeout_ms}. */
    void send(WorkerProcess w, Call call) {
        if (call.isDecided()) {
            return;
        }
        long now = now();
        long deadline = call.deadlineNanos;
        long timeoutMs = 0;
        if (deadline != 0) {
            long left = deadline - now;
            if (left <= 0) {
                outcomes.fail(call, CallOutcomes.deadlinePassed(call, 0, now), null, 0);
                return;
            }
            timeoutMs = Math.min(RequestEnvelope.MAX_TIMEOUT_MS, Math.max(1, (left + 999_999) / 1_000_000));
        }
        long id = w.nextId();
        if (id == w.recycleAtId) {
            maintainer.callLimitReached(w);
        }
        Attempt a = new Attempt(call, w, id, now);
        call.attempt = a;
        call.attempts++;
        w.pending.put(id, a);
        WorkerProcess.State state = w.state();
        if (state != WorkerProcess.State.READY && call.pinned == null) {
            // the worker stopped taking calls (retired, replaced or dead) after this call picked it:
            // the frame was never written, so another worker takes the call, whatever its idempotency
            if (w.pending.remove(id) != null && a.settle()) {
                if (call.redirects < CallOutcomes.MAX_REDIRECTS) {
                    call.redirects++;
                    call.attempts--;
                    dispatch(call);
                } else {
                    outcomes.attemptFailed(call, a, new MoltWorkerUnavailableException("Worker " + w.pid
                            + " stopped taking calls: " + w.deathReason(), call.entry, id, null), null, 0);
                }
            }
            return;
        }
        if (state == WorkerProcess.State.DEAD) {
            if (w.pending.remove(id) != null && a.settle()) {
                outcomes.attemptFailed(call, a, new MoltWorkerUnavailableException(
                        "Worker " + w.label + " is gone: " + w.deathReason(), call.entry, id, null), null, 0);
            }
            return;
        }
        CallOptions o = call.options;
        // armed before the hook and the write: time spent in either counts against the deadline
        if (o.cancelCheck() != null) {
            sweeper.armSweeper(now + CANCEL_POLL_NANOS);
        } else if (deadline != 0) {
            sweeper.armSweeper(deadline);
        }
        byte[] frame;
        try {
            RequestEnvelope request =
                    new RequestEnvelope(id, call.entry, timeoutMs, o.codec(), call.payload, o.headers());
            if (o.beforeSend() != null) {
                CallOutcomes.runHook(o.beforeSend(), request, "beforeSend");
            }
            frame = Envelopes.encodeRequestFrame(wire, request, maxFrameBytes);
        } catch (IllegalArgumentException e) {
            if (w.pending.remove(id) != null && a.settle()) {
                outcomes.fail(call, new MoltInvalidInputException(e.getMessage(), call.entry, id, e), null, 0);
            }
            return;
        }
        try {
            w.write(frame, a);
        } catch (IOException e) {
            supervisor.onReaderEnd(w, w.inputName() + " closed (" + e.getMessage() + ")", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (w.pending.remove(id) != null && a.settle()) {
                outcomes.fail(call, new MoltCancelledException("Interrupted while sending to '" + call.entry + "'",
                        call.entry, id, e), null, 0);
            }
        }
    }

    // ---------------------------------------------------------------- tests

    /** Runs a sweep now on the timer thread and waits for it: for tests that move a fake ticker. */
    public void sweepNow() {
        sweeper.sweepNow();
    }

    // ---------------------------------------------------------------- helpers

    static long requestIdOf(Call call) {
        Attempt a = call.attempt;
        return a == null ? 0 : a.id;
    }

    static MoltAccelException unavailable(Throwable failure, String entry) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof MoltWorkerUnavailableException e && entry == null) {
            return e;
        }
        return new MoltWorkerUnavailableException(cause.getMessage(), entry, 0, cause);
    }

    <T> T join(CompletableFuture<T> f, String entry) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new MoltCancelledException("Interrupted", entry, 0, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof MoltAccelException m) {
                throw m;
            }
            throw unavailable(cause, entry);
        }
    }

    static MoltAccelException rethrow(Throwable cause, String entry, Call call) {
        if (cause instanceof MoltAccelException m) {
            return m;
        }
        return new MoltInternalErrorException("Call to '" + entry + "' failed: " + cause, entry, requestIdOf(call), cause);
    }

}
