package dev.molt.accel.client;

import dev.molt.accel.client.internal.CompletionBatch;
import dev.molt.accel.client.internal.EngineThreads;
import dev.molt.accel.client.internal.GuardedListener;
import dev.molt.accel.client.internal.RetryPolicy;
import dev.molt.accel.client.internal.TimerQueue;
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
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link MoltClient} and {@link MoltClientPool}: a fixed number of slots, each
 * holding at most one worker process taking calls, one timer thread for deadlines, and the call
 * life cycle (send, answer, retry, restart, cancel, time out). Its threading rules are those of
 * the package {@code dev.molt.accel.client.internal}.
 */
final class ClientCore implements MoltClient {

    private static final Logger log = LoggerFactory.getLogger(ClientCore.class);
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();
    private static final byte[] EMPTY = new byte[0];
    private static final long CANCEL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NOT_ARMED = Long.MAX_VALUE;
    /** How long after a worker exited its stdout may stay open (buffered answers) before a descendant is blamed. */
    private static final long EXIT_DRAIN_MILLIS = 200;
    /** How long a lone blocking caller spins before parking; {@code -Dmolt.accel.spinMicros=0} turns it off. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("molt.accel.spinMicros", 50));

    final int maxFrameBytes;
    private final Wire wire;
    private final WorkerLauncher launcher;
    private final Duration startTimeout;
    private final long closeStepMillis;
    private final long cancelGraceNanos;
    private final long retireLimitNanos;
    private final Duration probeTimeout;
    private final long restartBackoffNanos;
    private final long restartBackoffMaxNanos;
    private final int maxRestarts;
    private final CallOptions defaultOptions;
    private final GuardedListener listener;
    private final String name;
    private final LongSupplier ticker;
    private final ScheduledThreadPoolExecutor timer;
    private final TimerQueue timers = new TimerQueue();
    private final ThreadPoolExecutor lifecycle;
    private final Executor callbacks;
    /** The callback executor when the client made it (and so shuts it down). */
    private final ThreadPoolExecutor ownCallbacks;
    private final Slot[] slots;
    private final Set<WorkerProcess> processes = ConcurrentHashMap.newKeySet();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong cancels = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();
    /** When the sweeper is next due (ticker time), or {@link #NOT_ARMED}. */
    private final AtomicLong sweepAt = new AtomicLong(NOT_ARMED);
    private volatile String lastFailure;
    private volatile boolean closed;

    ClientCore(MoltClientBuilder b, WorkerLauncher launcher, int slotCount) {
        this.maxFrameBytes = b.maxFrameBytes;
        this.wire = b.wire;
        this.launcher = launcher;
        this.startTimeout = b.startTimeout;
        this.closeStepMillis = b.closeTimeout.toMillis();
        this.cancelGraceNanos = b.cancelGrace.toNanos();
        this.retireLimitNanos = b.cancelGrace.toNanos() + b.closeTimeout.toNanos();
        this.probeTimeout = b.probeTimeout;
        this.restartBackoffNanos = b.restartBackoff.toNanos();
        this.restartBackoffMaxNanos = b.restartBackoffMax.toNanos();
        this.maxRestarts = b.maxRestarts;
        this.defaultOptions = b.defaultOptions;
        this.listener = GuardedListener.of(b.listener);
        this.name = b.name;
        this.ticker = b.ticker;
        int id = CLIENT_IDS.incrementAndGet();
        this.timer = new ScheduledThreadPoolExecutor(1, EngineThreads.named("molt-accel-timer-" + id, false));
        this.timer.setRemoveOnCancelPolicy(true);
        this.lifecycle = EngineThreads.lifecycleExecutor(id);
        if (b.callbackExecutor != null) {
            this.callbacks = b.callbackExecutor;
            this.ownCallbacks = null;
        } else {
            this.ownCallbacks = EngineThreads.callbackExecutor();
            this.callbacks = ownCallbacks;
        }
        this.slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot(i);
        }
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
            cancel(call, "interrupted");
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
    private void reportOnCaller(Call call) {
        String outcome = call.outcome;
        if (outcome != null) {
            runResponseHooks(call, call.lastResponse, call.lastClientNanos);
            ended(call, outcome);
        }
    }

    /**
     * Spins for a few microseconds before parking when this is the only call in flight. Parking
     * hands the answer over from the reader thread to the caller through a wake-up, and waking an
     * idle vCPU costs tens of microseconds, more than a small call's whole round trip. With other
     * calls in flight the caller parks at once and leaves the CPU to the worker and the reader.
     */
    private void awaitBriefly(Call call) {
        if (SPIN_NANOS > 0 && inFlightAtMost(1)) {
            long end = System.nanoTime() + SPIN_NANOS;
            while (!call.isDone() && System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }
    }

    private boolean inFlightAtMost(int n) {
        int total = 0;
        for (Slot s : slots) {
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

    private Call newCall(String entry, Object payload, CallOptions options, boolean async) {
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
        calls.incrementAndGet();
        listener.callStarted(entry);
        dispatch(call);
        return call;
    }

    @Override
    public CallOptions defaultOptions() {
        return defaultOptions;
    }

    @Override
    public void start() {
        List<CompletableFuture<WorkerProcess>> starting = new ArrayList<>();
        for (Slot s : slots) {
            starting.add(s.ensureStarted());
        }
        for (CompletableFuture<WorkerProcess> f : starting) {
            join(f, null);
        }
    }

    @Override
    public void ping(Duration timeout) {
        CallOptions options = CallOptions.builder().codec(Codec.RAW).timeout(timeout).build();
        List<CompletableFuture<MoltResult>> pings = new ArrayList<>();
        for (Slot s : slots) {
            pings.add(s.ensureStarted().thenCompose(w -> pinnedPing(w, options)));
        }
        for (CompletableFuture<MoltResult> f : pings) {
            join(f, Entries.PING);
        }
    }

    private Call pinnedPing(WorkerProcess w, CallOptions options) {
        Call ping = new Call(this, Entries.PING, EMPTY, options, w, false, now());
        send(w, ping);
        return ping;
    }

    @Override
    public ClientStats stats() {
        int workers = 0;
        int inFlight = 0;
        List<Long> pids = new ArrayList<>();
        for (Slot s : slots) {
            WorkerProcess w = s.current;
            if (w != null && w.isAccepting()) {
                workers++;
                pids.add(w.pid);
            }
        }
        for (WorkerProcess w : processes) {
            inFlight += w.inFlight();
        }
        return new ClientStats(workers, inFlight, calls.get(), restarts.get(), cancels.get(), pids, lastFailure);
    }

    /** Calls in flight on the slot's worker, for pool balancing. */
    int inFlight(int slot) {
        WorkerProcess w = slots[slot].current;
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
        List<WorkerProcess> all = new ArrayList<>(processes);
        for (WorkerProcess w : all) {
            w.markDead("client closed");
        }
        for (WorkerProcess w : all) {
            failPending(w, "the client was closed", false);
        }
        long limitMillis = closeStepMillis * 3 + 500;
        closeInParallel(all, limitMillis);
        timer.shutdownNow();
        timers.clear();
        lifecycle.shutdown();
        try {
            if (!lifecycle.awaitTermination(closeStepMillis, TimeUnit.MILLISECONDS)) {
                log.warn("Client '{}': worker start/stop threads did not finish within {} ms", name, closeStepMillis);
                lifecycle.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // started while closing: they never took a call
        closeInParallel(new ArrayList<>(processes), limitMillis);
        if (ownCallbacks != null) {
            ownCallbacks.shutdown();
            awaitQuietly(ownCallbacks, closeStepMillis, "callback");
        }
        awaitQuietly(timer, closeStepMillis, "timer");
    }

    private void closeInParallel(List<WorkerProcess> workers, long limitMillis) {
        if (workers.isEmpty()) {
            return;
        }
        List<Thread> closers = new ArrayList<>();
        for (WorkerProcess w : workers) {
            Thread t = new Thread(() -> w.shutdown(closeStepMillis), "molt-accel-closer-" + w.pid);
            t.setDaemon(true);
            t.start();
            closers.add(t);
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMillis);
        for (int i = 0; i < closers.size(); i++) {
            Thread t = closers.get(i);
            WorkerProcess w = workers.get(i);
            try {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left > 0) {
                    t.join(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                log.warn("Client '{}': worker {} did not close within {} ms; killing it", name, w.pid, limitMillis);
                w.kill();
            }
            processes.remove(w);
        }
    }

    private void awaitQuietly(java.util.concurrent.ExecutorService e, long millis, String what) {
        try {
            if (!e.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                log.warn("Client '{}': {} threads did not stop within {} ms", name, what, millis);
                e.shutdownNow();
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(Call call) {
        if (call.isDecided()) {
            return;
        }
        if (closed) {
            fail(call, new MoltWorkerUnavailableException("The client is closed", call.entry, 0, null), null, 0);
            return;
        }
        Slot slot = pick();
        WorkerProcess w = slot.current;
        if (w != null && w.isAccepting()) {
            send(w, call);
            return;
        }
        CompletableFuture<WorkerProcess> starting = slot.ensureStarted();
        // only the client's very first start may take up to the start timeout: a call waiting for
        // it starts its deadline once that worker is ready; later waits count against the deadline
        boolean firstStart = starts.get() == 0;
        long deadline = call.deadlineNanos;
        if (!starting.isDone() && deadline != 0 && !firstStart) {
            call.waitingForStart = true;
            addTimer(deadline, () -> {
                if (call.waitingForStart) {
                    fail(call, new MoltWorkerUnavailableException("No worker became ready within the call's "
                            + call.options.timeout().toMillis() + " ms deadline", call.entry, 0, null), null, 0);
                }
            });
        }
        starting.whenCompleteAsync((started, failure) -> {
            call.waitingForStart = false;
            if (failure != null) {
                attemptFailed(call, null, unavailable(failure, call.entry), null, 0);
            } else {
                if (firstStart && call.attempts == 0 && call.options.timeoutNanos() > 0) {
                    call.deadlineNanos = Attempt.nonZero(now() + call.options.timeoutNanos());
                }
                send(started, call);
            }
        }, lifecycleOrDirect());
    }

    private Executor lifecycleOrDirect() {
        return task -> {
            try {
                lifecycle.execute(task);
            } catch (RejectedExecutionException e) {
                task.run(); // closing: the task only fails the call
            }
        };
    }

    /**
     * The slot whose ready worker has the fewest calls in flight; ties go round-robin. A slot
     * without a ready worker is chosen only when no slot has one; it is started in the background
     * meanwhile, so that a pool regains its capacity without any caller waiting for it.
     */
    private Slot pick() {
        if (slots.length == 1) {
            return slots[0];
        }
        int start = Math.floorMod(roundRobin.getAndIncrement(), slots.length);
        Slot best = null;
        int bestLoad = Integer.MAX_VALUE;
        Slot idle = null;
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[(start + i) % slots.length];
            WorkerProcess w = s.current;
            if (w != null && w.isAccepting()) {
                int load = w.inFlight();
                if (load < bestLoad) {
                    best = s;
                    bestLoad = load;
                }
            } else if (!s.isBackingOff()) {
                if (idle == null) {
                    idle = s;
                }
                if (!s.isStarting()) {
                    s.ensureStarted();
                }
            }
        }
        if (best != null) {
            return best;
        }
        return idle != null ? idle : slots[start];
    }

    /** Sends one attempt of {@code call} to {@code w}, with the time its deadline leaves as {@code timeout_ms}. */
    private void send(WorkerProcess w, Call call) {
        if (call.isDecided()) {
            return;
        }
        long now = now();
        long deadline = call.deadlineNanos;
        long timeoutMs = 0;
        if (deadline != 0) {
            long left = deadline - now;
            if (left <= 0) {
                fail(call, deadlinePassed(call, 0, now), null, 0);
                return;
            }
            timeoutMs = Math.min(RequestEnvelope.MAX_TIMEOUT_MS, Math.max(1, (left + 999_999) / 1_000_000));
        }
        long id = w.nextId();
        Attempt a = new Attempt(call, w, id, now);
        call.attempt = a;
        call.attempts++;
        w.pending.put(id, a);
        if (w.state() == WorkerProcess.State.DEAD) {
            if (w.pending.remove(id) != null && a.settle()) {
                attemptFailed(call, a, new MoltWorkerUnavailableException(
                        "Worker " + w.pid + " is gone: " + w.deathReason(), call.entry, id, null), null, 0);
            }
            return;
        }
        CallOptions o = call.options;
        // armed before the hook and the write: time spent in either counts against the deadline
        if (o.cancelCheck() != null) {
            armSweeper(now + CANCEL_POLL_NANOS);
        } else if (deadline != 0) {
            armSweeper(deadline);
        }
        byte[] frame;
        try {
            RequestEnvelope request = new RequestEnvelope(id, call.entry, timeoutMs, o.codec(), call.payload);
            if (o.beforeSend() != null) {
                runHook(o.beforeSend(), request, "beforeSend");
            }
            frame = Envelopes.encodeRequestFrame(wire, request, maxFrameBytes);
        } catch (IllegalArgumentException e) {
            if (w.pending.remove(id) != null && a.settle()) {
                fail(call, new MoltInvalidInputException(e.getMessage(), call.entry, id, e), null, 0);
            }
            return;
        }
        try {
            w.write(frame, a);
        } catch (IOException e) {
            onReaderEnd(w, "worker stdin closed (" + e.getMessage() + ")", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (w.pending.remove(id) != null && a.settle()) {
                fail(call, new MoltCancelledException("Interrupted while sending to '" + call.entry + "'",
                        call.entry, id, e), null, 0);
            }
        }
    }

    private static MoltTimeoutException deadlinePassed(Call call, long id, long now) {
        long late = TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - call.deadlineNanos));
        int attempts = call.attempts;
        return new MoltTimeoutException("No answer from '" + call.entry + "' within its "
                + call.options.timeout().toMillis() + " ms deadline (passed by " + late + " ms; " + attempts
                + (attempts == 1 ? " attempt)" : " attempts)"), call.entry, id, null);
    }

    // ---------------------------------------------------------------- outcomes

    /** Called by a worker's reader thread with the answer to an attempt: decides, hands off, never runs user code. */
    void onResponse(Attempt a, ResponseEnvelope r) {
        WorkerProcess w = a.worker;
        if (!a.settle()) {
            closeIfDrained(w);
            return;
        }
        Call call = a.call;
        long clientNanos = now() - a.sentNanos;
        switch (r.status()) {
            case OK -> succeed(call, new MoltResult(call.entry, a.id, r.codec(), r.payloadOrEmpty(),
                    call.options.decodeResponse(), r.metrics(), clientNanos, call.payload.length), r, clientNanos);
            case BUSY -> attemptFailed(call, a, new MoltBusyException(message(r, "Worker queue full"), call.entry, a.id, null), r, clientNanos);
            case TIMEOUT -> attemptFailed(call, a, new MoltTimeoutException(message(r, "Request timed out"), call.entry, a.id, null), r, clientNanos);
            case CANCELLED -> attemptFailed(call, a, new MoltCancelledException(message(r, "Request cancelled"), call.entry, a.id, null), r, clientNanos);
            case INVALID_INPUT -> attemptFailed(call, a, new MoltInvalidInputException(message(r, "Invalid input"), call.entry, a.id, null), r, clientNanos);
            case INTERNAL_ERROR -> attemptFailed(call, a, new MoltInternalErrorException(message(r, "Internal error"), call.entry, a.id, null), r, clientNanos);
        }
        closeIfDrained(w);
    }

    private static String message(ResponseEnvelope r, String fallback) {
        return r.error() == null || r.error().isEmpty() ? fallback : r.error();
    }

    private static RetryPolicy.Failure kindOf(MoltAccelException failure) {
        if (failure instanceof MoltBusyException) {
            return RetryPolicy.Failure.BUSY;
        }
        if (failure instanceof MoltTimeoutException) {
            return RetryPolicy.Failure.TIMEOUT;
        }
        if (failure instanceof MoltWorkerUnavailableException || failure instanceof MoltProtocolException) {
            return RetryPolicy.Failure.WORKER_LOST;
        }
        return RetryPolicy.Failure.OTHER;
    }

    /** Asks the retry policy what follows a failed attempt and carries it out (state only: sends go to the lifecycle executor). */
    private void attemptFailed(Call call, Attempt a, MoltAccelException failure, ResponseEnvelope r, long clientNanos) {
        if (call.isDecided()) {
            return;
        }
        long now = now();
        long left = call.deadlineNanos == 0 ? RetryPolicy.NO_DEADLINE : call.deadlineNanos - now;
        RetryPolicy.Decision d = RetryPolicy.decide(kindOf(failure), call.retryOptions(maxRestarts), call.retriesUsed,
                call.restartsUsed, left, closed);
        switch (d.action()) {
            case FAIL -> fail(call, failure, r, clientNanos);
            case RESEND -> {
                call.restartsUsed++;
                log.debug("Re-sending idempotent call to '{}' after: {}", call.entry, failure.getMessage());
                onLifecycleOrFail(call, failure, () -> {
                    runResponseHooks(call, r, clientNanos);
                    dispatch(call);
                });
            }
            case RETRY -> {
                call.retriesUsed++;
                Runnable resend = () -> onLifecycleOrFail(call, failure, () -> {
                    runResponseHooks(call, r, clientNanos);
                    dispatch(call);
                });
                if (d.delayNanos() == 0) {
                    resend.run();
                } else {
                    addTimer(now + d.delayNanos(), resend);
                }
            }
        }
    }

    private void onLifecycleOrFail(Call call, MoltAccelException failure, Runnable task) {
        try {
            lifecycle.execute(task);
        } catch (RejectedExecutionException e) {
            fail(call, failure, null, 0);
        }
    }

    private void succeed(Call call, MoltResult result, ResponseEnvelope r, long clientNanos) {
        deliver(call, result, null, r, clientNanos);
    }

    private void fail(Call call, MoltAccelException failure, ResponseEnvelope r, long clientNanos) {
        deliver(call, null, failure, r, clientNanos);
    }

    /**
     * Completes the call once. An asynchronous call completes on the callback executor (the response
     * hooks, the listener and whatever the user chained run there); a blocking call completes here,
     * which only wakes its caller, who then runs the hooks and the listener.
     */
    private void deliver(Call call, MoltResult result, MoltAccelException failure, ResponseEnvelope r, long clientNanos) {
        if (!call.decide()) {
            return;
        }
        String outcome = result != null ? "ok" : failure.errorCode();
        if (call.async) {
            CompletionBatch.submit(callbacks, () -> {
                runResponseHooks(call, r, clientNanos);
                boolean done = result != null ? call.complete(result) : call.completeExceptionally(failure);
                if (done) {
                    ended(call, outcome);
                }
            });
        } else {
            call.lastResponse = r;
            call.lastClientNanos = clientNanos;
            call.outcome = call.pinned == null ? outcome : null;
            if (result != null) {
                call.complete(result);
            } else {
                call.completeExceptionally(failure);
            }
        }
    }

    private void runResponseHooks(Call call, ResponseEnvelope r, long clientNanos) {
        if (r == null) {
            return;
        }
        CallOptions o = call.options;
        if (o.afterRecv() != null) {
            runHook(o.afterRecv(), r, "afterRecv");
        }
        if (o.metrics() != null) {
            runHook(o.metrics(), MoltResult.mergeMetrics(r.metrics(), clientNanos, call.payload.length,
                    r.payloadOrEmpty().length), "metrics");
        }
    }

    private void ended(Call call, String outcome) {
        if (call.pinned == null) {
            listener.callCompleted(call.entry, outcome, now() - call.startNanos);
        }
    }

    /** On the timer: the call's deadline passed with this attempt unanswered. */
    private void onClientTimeout(Attempt a, long now) {
        if (!a.settle()) {
            return;
        }
        Call call = a.call;
        WorkerProcess w = a.worker;
        a.abandoned = true;
        MoltTimeoutException timeout = deadlinePassed(call, a.id, now);
        if (a.withdrawUnwritten()) {
            // the frame never reached the pipe, and now never will
            w.pending.remove(a.id);
            closeIfDrained(w);
        } else {
            long id = a.id;
            onLifecycle(() -> sendCancel(w, id));
            if (call.pinned == null) {
                addTimer(now + cancelGraceNanos, () -> afterCancelGrace(w, id));
            }
        }
        attemptFailed(call, a, timeout, null, 0);
    }

    /**
     * On the timer, a cancel grace after a timed-out request's {@code __cancel__}: a worker that has
     * not answered it yet gets a {@code __ping__}; only one that misses that too is replaced. A
     * worker that is slow (CPU starvation, a handler ignoring cancellation) but alive stays.
     */
    private void afterCancelGrace(WorkerProcess w, long id) {
        if (w.pending.containsKey(id) && w.isAccepting() && w.startProbe()) {
            onLifecycle(() -> probe(w, id));
        }
    }

    private void probe(WorkerProcess w, long id) {
        CallOptions options = CallOptions.builder().codec(Codec.RAW).timeout(probeTimeout).build();
        Call ping = pinnedPing(w, options);
        ping.whenCompleteAsync((r, failure) -> {
            w.endProbe();
            if (failure == null) {
                Attempt stuck = w.pending.get(id);
                if (stuck != null && stuck.abandoned) {
                    w.pending.remove(id, stuck); // the caller is gone; a late answer is dropped as unknown
                }
                log.info("Worker {} left request {} unanswered past its cancel grace but answers __ping__; kept", w.pid, id);
            } else {
                replace(w, "request " + id + " got no answer within its timeout and cancel grace, and __ping__ got none within "
                        + probeTimeout.toMillis() + " ms");
            }
        }, lifecycleOrDirect());
    }

    /** Called after the caller cancelled the call's future, or its cancel check or an interrupt did. */
    void afterCancel(Call call, String why) {
        call.decide();
        Attempt a = call.attempt;
        if (a != null && a.settle()) {
            a.abandoned = true;
            if (a.withdrawUnwritten()) {
                a.worker.pending.remove(a.id);
            } else {
                sendCancel(a.worker, a.id);
            }
            closeIfDrained(a.worker);
        }
        cancels.incrementAndGet();
        listener.callCancelled(call.entry);
        ended(call, MoltErrorCode.CANCELLED.code());
        log.debug("Call to '{}' {}", call.entry, why);
    }

    private void cancel(Call call, String why) {
        MoltCancelledException e = new MoltCancelledException("Call to '" + call.entry + "' " + why, call.entry,
                requestIdOf(call), null);
        if (call.completeExceptionally(e)) {
            afterCancel(call, why);
        }
    }

    // ---------------------------------------------------------------- deadlines and cancel checks

    private void addTimer(long due, Runnable task) {
        timers.add(due, task);
        armSweeper(due);
    }

    /**
     * Makes sure the sweeper runs no later than {@code at}. Deadlines are not scheduled one task
     * per call: a per-call timer task costs a wake-up of the timer thread whenever it becomes the
     * earliest, which is every call when calls run one at a time. Instead one sweep, due at the
     * earliest deadline known, checks every attempt in flight and schedules the next sweep.
     */
    private void armSweeper(long at) {
        long current = sweepAt.get();
        while (current == NOT_ARMED || at - current < 0) {
            if (sweepAt.compareAndSet(current, at)) {
                try {
                    timer.schedule(() -> sweep(false), Math.max(0L, at - now()), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // closing: the calls are failed by close()
                }
                return;
            }
            current = sweepAt.get();
        }
    }

    /** Runs a sweep now on the timer thread and waits for it: for tests that move a fake ticker. */
    void sweepNow() {
        try {
            timer.submit(() -> sweep(true)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("sweep failed", e);
        }
    }

    /** On the timer: marks calls past their deadline timed out, queues cancel polls, runs due timers. */
    private void sweep(boolean forced) {
        long now = now();
        long due = sweepAt.get();
        if (!forced && due != NOT_ARMED && due - now > 0) {
            return; // an earlier sweep was scheduled after this one; it will run at its time
        }
        sweepAt.set(NOT_ARMED);
        long next = NOT_ARMED;
        List<Call> polls = null;
        for (WorkerProcess w : processes) {
            long writeDeadline = w.writeDeadline();
            if (writeDeadline != 0) {
                if (writeDeadline - now <= 0) {
                    if (w.flagStuckWrite()) {
                        onLifecycle(() -> onStuckWrite(w));
                    }
                } else {
                    next = earlier(next, writeDeadline);
                }
            }
            for (Attempt a : w.pending.values()) {
                if (a.isSettled()) {
                    continue;
                }
                long deadline = a.call.deadlineNanos;
                if (deadline != 0 && deadline - now <= 0) {
                    onClientTimeout(a, now);
                    continue;
                }
                if (a.call.options.cancelCheck() != null) {
                    if (a.call.cancelPollQueued.compareAndSet(false, true)) {
                        if (polls == null) {
                            polls = new ArrayList<>();
                        }
                        polls.add(a.call);
                    }
                    next = earlier(next, now + CANCEL_POLL_NANOS);
                } else if (deadline != 0) {
                    next = earlier(next, deadline);
                }
            }
        }
        long timed = timers.runDue(now);
        if (timed != TimerQueue.NONE) {
            next = earlier(next, timed);
        }
        if (polls != null) {
            List<Call> toPoll = polls;
            CompletionBatch.execute(callbacks, () -> pollCancels(toPoll));
        }
        if (next != NOT_ARMED) {
            armSweeper(next);
        }
    }

    private static long earlier(long a, long b) {
        return a == NOT_ARMED || b - a < 0 ? b : a;
    }

    /** On the callback executor: cancel checks are user code, never run on the timer. */
    private void pollCancels(List<Call> toPoll) {
        for (Call call : toPoll) {
            call.cancelPollQueued.set(false);
            BooleanSupplier check = call.options.cancelCheck();
            if (call.isDone() || check == null) {
                continue;
            }
            boolean cancel;
            try {
                cancel = check.getAsBoolean();
            } catch (RuntimeException e) {
                log.warn("cancelCheck of a call to '{}' failed; treating as not cancelled", call.entry, e);
                continue;
            }
            if (cancel) {
                cancel(call, "cancelled by its cancel check");
            }
        }
    }

    private void sendCancel(WorkerProcess w, long id) {
        if (w.state() == WorkerProcess.State.DEAD) {
            return;
        }
        try {
            w.writeControl(Envelopes.encodeRequestFrame(wire, RequestEnvelope.cancel(id, wire), maxFrameBytes));
        } catch (RuntimeException e) {
            log.debug("Cancel of request {} not sent: {}", id, e.toString());
        }
    }

    // ---------------------------------------------------------------- worker life cycle

    /** On the lifecycle executor: a write stayed blocked past its call's deadline, so the worker does not read. */
    private void onStuckWrite(WorkerProcess w) {
        replace(w, "its input pipe stayed full past a call's deadline");
        w.kill(); // fails the blocked write; the reader then sees the end of stdout
    }

    /** Stops new calls going to {@code w}; it is closed once its live calls are done, or at its hard limit. */
    private void replace(WorkerProcess w, String reason) {
        if (!w.beginDraining()) {
            return;
        }
        clearAndRestart(w);
        lastFailure = reason;
        log.warn("Replacing worker {}: {}", w.pid, reason);
        listener.workerReplaced(w.pid, reason);
        // a retiring worker is destroyed after cancel grace + close timeout, whatever its calls do
        addTimer(now() + retireLimitNanos, () -> {
            if (w.markDead("replaced")) {
                failPending(w, "worker " + w.pid + " was replaced and did not finish its calls within "
                        + TimeUnit.NANOSECONDS.toMillis(retireLimitNanos) + " ms", false);
                onLifecycle(() -> {
                    w.kill();
                    retire(w);
                });
            }
        });
        closeIfDrained(w);
    }

    /** Takes {@code w} out of its slot and starts its successor in the background. */
    private void clearAndRestart(WorkerProcess w) {
        for (Slot s : slots) {
            if (s.clear(w) && !closed) {
                s.ensureStarted();
            }
        }
    }

    private void closeIfDrained(WorkerProcess w) {
        if (w.state() == WorkerProcess.State.DRAINING && !w.hasLiveAttempts() && w.markDead("replaced")) {
            failPending(w, "worker " + w.pid + " was replaced", false);
            onLifecycle(() -> retire(w));
        }
    }

    private void retire(WorkerProcess w) {
        w.shutdown(closeStepMillis);
        processes.remove(w);
    }

    /** Called by the reader once the worker's stdout ended or it sent garbage, or by a writer whose pipe broke. */
    void onReaderEnd(WorkerProcess w, String reason, boolean protocolError) {
        boolean first = w.markDead(reason);
        clearAndRestart(w);
        if (first && protocolError) {
            w.kill();
        }
        onLifecycle(() -> afterDeath(w, reason, protocolError, first));
    }

    /** On the lifecycle executor: reports a dead worker, fails or re-sends its calls, and retires it. */
    private void afterDeath(WorkerProcess w, String reason, boolean protocolError, boolean first) {
        if (!first) {
            failPending(w, reason, protocolError);
            return;
        }
        Integer exit = w.exitCode(20); // a short wait: the calls in flight are failed only after this
        String detail = "Worker " + w.pid + " " + reason + (exit == null ? "" : ", exit code " + exit);
        if (!closed) {
            lastFailure = detail;
            log.warn("{}; last stderr lines: {}", detail, w.stderrTail());
            listener.workerReplaced(w.pid, detail);
        }
        failPending(w, detail, protocolError);
        if (!closed) {
            retire(w);
        }
    }

    /**
     * On the lifecycle executor, when the worker process exited: its stdout may still hold answers,
     * so the reader gets a moment to read them; if it sees no end of stdout, a descendant holds the
     * pipe, and the process tree is killed.
     */
    private void onProcessExit(WorkerProcess w) {
        if (w.state() == WorkerProcess.State.DEAD || w.awaitReaderEnd(EXIT_DRAIN_MILLIS)) {
            return;
        }
        w.kill();
        onReaderEnd(w, "exited while a descendant kept its output open", false);
    }

    private void failPending(WorkerProcess w, String detail, boolean protocolError) {
        for (Long id : List.copyOf(w.pending.keySet())) {
            Attempt a = w.pending.remove(id);
            if (a != null && a.settle()) {
                Call call = a.call;
                MoltAccelException e = protocolError
                        ? new MoltProtocolException(detail, call.entry, a.id, null)
                        : new MoltWorkerUnavailableException(detail, call.entry, a.id, null);
                attemptFailed(call, a, e, null, 0);
            }
        }
    }

    /** On the lifecycle executor: spawns a worker and sends its readiness ping. */
    private CompletableFuture<WorkerProcess> startWorker() {
        long t0 = System.nanoTime();
        Process process;
        try {
            process = launcher.start();
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new MoltWorkerUnavailableException(
                    "Cannot start worker (" + launcher + "): " + e.getMessage(), null, 0, e));
        }
        WorkerProcess w = new WorkerProcess(this, process, launcher.ownSession());
        processes.add(w);
        if (closed) {
            w.kill();
            processes.remove(w);
            return CompletableFuture.failedFuture(new MoltWorkerUnavailableException("The client is closed", null, 0, null));
        }
        w.startThreads();
        process.onExit().thenRunAsync(() -> onProcessExit(w), lifecycleOrDirect());
        log.debug("Started worker {} ({})", w.pid, launcher);
        CallOptions pingOptions = CallOptions.builder().codec(Codec.RAW).timeout(startTimeout).build();
        Call ping = pinnedPing(w, pingOptions);
        return ping.handleAsync((r, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                w.markDead("not ready");
                w.kill();
                retire(w);
                List<String> tail = w.stderrTail();
                throw new CompletionException(new MoltWorkerUnavailableException("Worker " + w.pid
                        + " did not become ready (" + cause.getMessage() + ")"
                        + (tail.isEmpty() ? "" : "; last stderr: " + String.join(" | ", tail)), null, 0, cause));
            }
            w.markReady();
            if (starts.incrementAndGet() > slots.length) {
                restarts.incrementAndGet();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            log.info("Worker {} ready in {} ms ({})", w.pid, took.toMillis(), launcher.source());
            listener.workerStarted(w.pid, took);
            return w;
        }, lifecycleOrDirect());
    }

    /** One position of the pool: at most one process taking calls, started on demand with backoff. */
    private final class Slot {
        final int index;
        volatile WorkerProcess current;
        private CompletableFuture<WorkerProcess> starting;
        private int failures;
        private long retryAtNanos;
        private Throwable lastStartFailure;

        Slot(int index) {
            this.index = index;
        }

        synchronized boolean isBackingOff() {
            return failures > 0 && now() - retryAtNanos < 0;
        }

        synchronized boolean isStarting() {
            return starting != null;
        }

        /** Forgets {@code w} if it is this slot's worker; returns whether it was. */
        synchronized boolean clear(WorkerProcess w) {
            if (current == w) {
                current = null;
                return true;
            }
            return false;
        }

        /** The slot's worker, or the start of one on the lifecycle executor (never on the caller's thread). */
        CompletableFuture<WorkerProcess> ensureStarted() {
            CompletableFuture<WorkerProcess> f;
            synchronized (this) {
                WorkerProcess w = current;
                if (w != null && w.isAccepting()) {
                    return CompletableFuture.completedFuture(w);
                }
                if (starting != null) {
                    return starting;
                }
                if (closed) {
                    return CompletableFuture.failedFuture(new MoltWorkerUnavailableException("The client is closed", null, 0, null));
                }
                long wait = retryAtNanos - now();
                if (failures > 0 && wait > 0) {
                    return CompletableFuture.failedFuture(new MoltWorkerUnavailableException(
                            "Worker restarting after " + failures + " failed start(s); next attempt in "
                                    + TimeUnit.NANOSECONDS.toMillis(wait) + " ms; last failure: "
                                    + (lastStartFailure == null ? "unknown" : lastStartFailure.getMessage()),
                            null, 0, lastStartFailure));
                }
                f = new CompletableFuture<>();
                starting = f;
            }
            try {
                lifecycle.execute(() -> startWorker().whenComplete((w, failure) -> started(f, w, failure)));
            } catch (RejectedExecutionException e) {
                started(f, null, new MoltWorkerUnavailableException("The client is closed", null, 0, null));
            }
            return f;
        }

        private void started(CompletableFuture<WorkerProcess> f, WorkerProcess w, Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            synchronized (this) {
                starting = null;
                if (failure == null) {
                    failures = 0;
                    current = w;
                } else {
                    failures++;
                    lastStartFailure = cause;
                    long backoff = Math.min(restartBackoffNanos << Math.min(failures - 1, 20), restartBackoffMaxNanos);
                    retryAtNanos = now() + backoff;
                    lastFailure = cause.getMessage();
                }
            }
            if (failure == null) {
                f.complete(w);
            } else {
                if (!closed) {
                    log.warn("Worker start failed (slot {}): {}", index, cause.getMessage());
                    listener.workerStartFailed(cause);
                }
                f.completeExceptionally(cause);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static long requestIdOf(Call call) {
        Attempt a = call.attempt;
        return a == null ? 0 : a.id;
    }

    private static MoltAccelException unavailable(Throwable failure, String entry) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof MoltWorkerUnavailableException e && entry == null) {
            return e;
        }
        return new MoltWorkerUnavailableException(cause.getMessage(), entry, 0, cause);
    }

    private <T> T join(CompletableFuture<T> f, String entry) {
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

    private static MoltAccelException rethrow(Throwable cause, String entry, Call call) {
        if (cause instanceof MoltAccelException m) {
            return m;
        }
        return new MoltInternalErrorException("Call to '" + entry + "' failed: " + cause, entry, requestIdOf(call), cause);
    }

    private static <T> void runHook(java.util.function.Consumer<T> hook, T value, String what) {
        try {
            hook.accept(value);
        } catch (RuntimeException e) {
            log.warn("{} hook failed; ignored", what, e);
        }
    }
}
