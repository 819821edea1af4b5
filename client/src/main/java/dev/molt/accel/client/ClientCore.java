package dev.molt.accel.client;

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
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link MoltClient} and {@link MoltClientPool}: a fixed number of slots, each
 * holding at most one worker process taking calls, one timer thread for deadlines, retries and
 * cancel checks, and the call life cycle (send, answer, retry, restart, cancel, time out).
 */
final class ClientCore implements MoltClient {

    private static final Logger log = LoggerFactory.getLogger(ClientCore.class);
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();
    private static final byte[] EMPTY = new byte[0];
    private static final long CANCEL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NOT_ARMED = Long.MAX_VALUE;
    /** How long a lone blocking caller spins before parking; {@code -Dmolt.accel.spinMicros=0} turns it off. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("molt.accel.spinMicros", 50));

    final int maxFrameBytes;
    private final Wire wire;
    private final WorkerLauncher launcher;
    private final Duration startTimeout;
    private final long closeStepMillis;
    private final long cancelGraceNanos;
    private final long restartBackoffNanos;
    private final long restartBackoffMaxNanos;
    private final int maxRestarts;
    private final CallOptions defaultOptions;
    private final MoltClientListener listener;
    private final String name;
    private final ScheduledThreadPoolExecutor timer;
    private final Executor lifecycle;
    private ThreadPoolExecutor lifecyclePool;
    private final Slot[] slots;
    private final Set<WorkerProcess> processes = ConcurrentHashMap.newKeySet();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong cancels = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();
    /** When the sweeper is next due ({@code System.nanoTime()}), or {@link #NOT_ARMED}. */
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
        this.restartBackoffNanos = b.restartBackoff.toNanos();
        this.restartBackoffMaxNanos = b.restartBackoffMax.toNanos();
        this.maxRestarts = b.maxRestarts;
        this.defaultOptions = b.defaultOptions;
        this.listener = b.listener;
        this.name = b.name;
        int id = CLIENT_IDS.incrementAndGet();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "molt-accel-timer-" + id);
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        this.lifecycle = lifecycleExecutor(id);
        this.slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot(i);
        }
    }

    /**
     * Runs worker starts and ordered shutdowns, which block for a spawn or for a process to exit:
     * never on the timer thread, whose deadlines must not wait for them. Threads are created only
     * while there is such work and end after a second idle.
     */
    private Executor lifecycleExecutor(int id) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, 4, 1, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "molt-accel-lifecycle-" + id);
            t.setDaemon(true);
            return t;
        }, (task, executor) -> {
            if (!executor.isShutdown()) {
                timer.execute(task); // all four busy: fall back rather than drop the work
            }
        });
        lifecyclePool = pool;
        return pool;
    }

    ScheduledThreadPoolExecutor timer() {
        return timer;
    }

    // ---------------------------------------------------------------- public API

    @Override
    public MoltResult call(String entry, Object payload, CallOptions options) {
        Call call = (Call) callAsync(entry, payload, options);
        try {
            awaitBriefly(call);
            return call.get();
        } catch (InterruptedException e) {
            cancel(call, "interrupted");
            Thread.currentThread().interrupt();
            throw new MoltCancelledException("Call to '" + entry + "' interrupted", entry, requestIdOf(call), e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause(), entry, call);
        } catch (CancellationException e) {
            throw new MoltCancelledException("Call to '" + entry + "' cancelled", entry, requestIdOf(call), e);
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
        if (entry == null || entry.isEmpty()) {
            throw new IllegalArgumentException("entry is empty");
        }
        if (options == null) {
            options = defaultOptions;
        }
        if (closed) {
            Call failed = new Call(this, entry, EMPTY, options, null);
            failed.completeExceptionally(new MoltWorkerUnavailableException("The client is closed", entry, 0, null));
            return failed;
        }
        byte[] bytes;
        try {
            bytes = payload instanceof byte[] raw ? raw : Payloads.encode(options.codec(), payload);
        } catch (PayloadException e) {
            Call failed = new Call(this, entry, EMPTY, options, null);
            failed.completeExceptionally(new MoltInvalidInputException(e.getMessage(), entry, 0, e));
            return failed;
        }
        Call call = new Call(this, entry, bytes, options, null);
        calls.incrementAndGet();
        try {
            listener.callStarted(entry);
        } catch (RuntimeException e) {
            log.warn("Listener failed in callStarted", e);
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
            pings.add(s.ensureStarted().thenCompose(w -> {
                Call ping = new Call(this, Entries.PING, EMPTY, options, w);
                send(w, ping);
                return ping;
            }));
        }
        for (CompletableFuture<MoltResult> f : pings) {
            join(f, Entries.PING);
        }
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

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<WorkerProcess> all = new ArrayList<>(processes);
        for (WorkerProcess w : all) {
            w.markDead("client closed");
            failPending(w, "the client was closed", false);
        }
        for (WorkerProcess w : all) {
            w.shutdown(closeStepMillis);
            processes.remove(w);
        }
        timer.shutdownNow();
        lifecyclePool.shutdown();
        try {
            if (!lifecyclePool.awaitTermination(closeStepMillis * 3, TimeUnit.MILLISECONDS)) {
                log.warn("Client '{}': worker start/stop threads did not finish within {} ms", name, closeStepMillis * 3);
                lifecyclePool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (WorkerProcess late : List.copyOf(processes)) {
            // started while closing: it never took a call
            late.kill();
            late.shutdown(closeStepMillis);
            processes.remove(late);
        }
        try {
            if (!timer.awaitTermination(closeStepMillis, TimeUnit.MILLISECONDS)) {
                log.warn("Client '{}': timer thread did not stop within {} ms", name, closeStepMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch(Call call) {
        if (call.isDone()) {
            return;
        }
        if (closed) {
            finish(call, new MoltWorkerUnavailableException("The client is closed", call.entry, 0, null));
            return;
        }
        Slot slot = pick();
        WorkerProcess w = slot.current;
        if (w != null && w.isAccepting()) {
            send(w, call);
            return;
        }
        CompletableFuture<WorkerProcess> starting = slot.ensureStarted();
        long timeoutNanos = call.options.timeoutNanos();
        if (!starting.isDone() && timeoutNanos > 0 && starts.get() > 0) {
            // after a worker was lost, a caller waits for its replacement no longer than its own
            // timeout; only the very first start may take up to the start timeout
            call.waitingForStart = true;
            timer.schedule(() -> {
                if (call.waitingForStart) {
                    finish(call, new MoltWorkerUnavailableException("No worker became ready within "
                            + call.options.timeout().toMillis() + " ms", call.entry, 0, null));
                }
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        starting.whenComplete((started, failure) -> {
            call.waitingForStart = false;
            if (failure != null) {
                attemptFailed(call, null, unavailable(failure, call.entry));
            } else {
                send(started, call);
            }
        });
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

    private void send(WorkerProcess w, Call call) {
        if (call.isDone()) {
            return;
        }
        long id = w.nextId();
        Attempt a = new Attempt(call, w, id);
        call.attempt = a;
        w.pending.put(id, a);
        if (w.state == WorkerProcess.State.DEAD) {
            if (w.pending.remove(id) != null && a.settle()) {
                attemptFailed(call, a, new MoltWorkerUnavailableException(
                        "Worker " + w.pid + " is gone: " + w.deathReason(), call.entry, id, null));
            }
            return;
        }
        CallOptions o = call.options;
        // armed before the hook and the write: time spent in either counts against the timeout
        if (a.deadlineNanos != 0) {
            armSweeper(o.cancelCheck() != null ? a.sentNanos + CANCEL_POLL_NANOS : a.deadlineNanos);
        } else if (o.cancelCheck() != null) {
            armSweeper(a.sentNanos + CANCEL_POLL_NANOS);
        }
        byte[] frame;
        try {
            RequestEnvelope request = new RequestEnvelope(id, call.entry, o.timeout().toMillis(), o.codec(), call.payload);
            if (o.beforeSend() != null) {
                runHook(o.beforeSend(), request, "beforeSend");
            }
            frame = Envelopes.encodeRequestFrame(wire, request, maxFrameBytes);
        } catch (IllegalArgumentException e) {
            if (w.pending.remove(id) != null && a.settle()) {
                finish(call, new MoltInvalidInputException(e.getMessage(), call.entry, id, e));
            }
            return;
        }
        try {
            w.write(frame, a);
        } catch (IOException e) {
            onDeath(w, "worker stdin closed (" + e.getMessage() + ")", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (w.pending.remove(id) != null && a.settle()) {
                finish(call, new MoltCancelledException("Interrupted while sending to '" + call.entry + "'",
                        call.entry, id, e));
            }
        }
    }

    // ---------------------------------------------------------------- outcomes

    /** Called by a worker's reader thread with the answer to an attempt. */
    void onResponse(Attempt a, ResponseEnvelope r, int frameBytes) {
        WorkerProcess w = a.worker;
        if (!a.settle()) {
            closeIfDrained(w);
            return;
        }
        Call call = a.call;
        CallOptions o = call.options;
        if (o.afterRecv() != null) {
            runHook(o.afterRecv(), r, "afterRecv");
        }
        long clientNanos = System.nanoTime() - a.sentNanos;
        byte[] payload = r.payloadOrEmpty();
        if (o.metrics() != null) {
            runHook(o.metrics(), MoltResult.mergeMetrics(r.metrics(), clientNanos, call.payload.length, payload.length),
                    "metrics");
        }
        switch (r.status()) {
            case OK -> {
                MoltResult result = new MoltResult(call.entry, a.id, r.codec(), payload, o.decodeResponse(),
                        r.metrics(), clientNanos, call.payload.length);
                if (call.complete(result)) {
                    ended(call, "ok");
                }
            }
            case BUSY -> attemptFailed(call, a, new MoltBusyException(message(r, "Worker queue full"), call.entry, a.id, null));
            case TIMEOUT -> attemptFailed(call, a, new MoltTimeoutException(message(r, "Request timed out"), call.entry, a.id, null));
            case CANCELLED -> attemptFailed(call, a, new MoltCancelledException(message(r, "Request cancelled"), call.entry, a.id, null));
            case INVALID_INPUT -> attemptFailed(call, a, new MoltInvalidInputException(message(r, "Invalid input"), call.entry, a.id, null));
            case INTERNAL_ERROR -> attemptFailed(call, a, new MoltInternalErrorException(message(r, "Internal error"), call.entry, a.id, null));
        }
        closeIfDrained(w);
    }

    private static String message(ResponseEnvelope r, String fallback) {
        return r.error() == null || r.error().isEmpty() ? fallback : r.error();
    }

    /** Decides between a retry and a failure once an attempt failed. */
    private void attemptFailed(Call call, Attempt a, MoltAccelException failure) {
        if (call.isDone()) {
            return;
        }
        CallOptions o = call.options;
        boolean deathLike = failure instanceof MoltWorkerUnavailableException || failure instanceof MoltProtocolException;
        if (deathLike && o.idempotent() && call.restartsUsed < maxRestarts && !closed && call.pinned == null) {
            call.restartsUsed++;
            log.debug("Re-sending idempotent call to '{}' after: {}", call.entry, failure.getMessage());
            dispatch(call);
            return;
        }
        boolean retry = (failure instanceof MoltBusyException && o.retryOnBusy())
                || (failure instanceof MoltTimeoutException && o.retryOnTimeout() && o.idempotent());
        if (retry && call.retriesUsed < o.maxRetries() && !closed && call.pinned == null) {
            long backoff = o.retryBackoff().toNanos() << Math.min(call.retriesUsed, 20);
            backoff = Math.min(backoff, o.retryBackoffMax().toNanos());
            call.retriesUsed++;
            if (backoff <= 0) {
                dispatch(call);
            } else {
                timer.schedule(() -> dispatch(call), backoff, TimeUnit.NANOSECONDS);
            }
            return;
        }
        finish(call, failure);
    }

    private void finish(Call call, MoltAccelException failure) {
        if (call.completeExceptionally(failure)) {
            ended(call, failure.errorCode());
        }
    }

    private void ended(Call call, String outcome) {
        if (call.pinned == null) {
            try {
                listener.callCompleted(call.entry, outcome, System.nanoTime() - call.startNanos);
            } catch (RuntimeException e) {
                log.warn("Listener failed in callCompleted", e);
            }
        }
    }

    private void onClientTimeout(Attempt a) {
        if (!a.settle()) {
            return;
        }
        Call call = a.call;
        WorkerProcess w = a.worker;
        a.abandoned = true;
        MoltTimeoutException timeout = new MoltTimeoutException("No answer from '" + call.entry + "' within "
                + call.options.timeout().toMillis() + " ms", call.entry, a.id, null);
        if (a.withdrawUnwritten()) {
            // the frame never reached the pipe, and now never will
            w.pending.remove(a.id);
            if (w.writeStuckSince(a.sentNanos)) {
                // a write has been blocked for this call's whole timeout: the worker does not read its input
                replace(w, "its input pipe stayed full for a request's whole timeout");
                w.kill();
            } else {
                closeIfDrained(w);
            }
        } else {
            sendCancel(w, a.id);
            timer.schedule(() -> {
                if (w.pending.containsKey(a.id) && w.state != WorkerProcess.State.DEAD) {
                    replace(w, "request " + a.id + " got no answer within its timeout");
                }
            }, cancelGraceNanos, TimeUnit.NANOSECONDS);
        }
        attemptFailed(call, a, timeout);
    }

    /** Called after the caller cancelled the call's future. */
    void afterCancel(Call call, String why) {
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
        try {
            listener.callCancelled(call.entry);
        } catch (RuntimeException e) {
            log.warn("Listener failed in callCancelled", e);
        }
        ended(call, "MoltCancelled");
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
                    timer.schedule(this::sweep, Math.max(0L, at - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // closing: the calls are failed by close()
                }
                return;
            }
            current = sweepAt.get();
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        long due = sweepAt.get();
        if (due != NOT_ARMED && due - now > 0) {
            return; // an earlier sweep was scheduled after this one; it will run at its time
        }
        sweepAt.set(NOT_ARMED);
        long next = NOT_ARMED;
        for (WorkerProcess w : processes) {
            for (Attempt a : w.pending.values()) {
                if (a.isSettled()) {
                    continue;
                }
                if (a.deadlineNanos != 0 && a.deadlineNanos - now <= 0) {
                    onClientTimeout(a);
                    continue;
                }
                java.util.function.BooleanSupplier check = a.call.options.cancelCheck();
                if (check != null && pollCancel(a.call, check)) {
                    continue;
                }
                long at = check != null ? now + CANCEL_POLL_NANOS : a.deadlineNanos;
                if (at != 0 && (next == NOT_ARMED || at - next < 0)) {
                    next = at;
                }
            }
        }
        if (next != NOT_ARMED) {
            armSweeper(next);
        }
    }

    private boolean pollCancel(Call call, java.util.function.BooleanSupplier check) {
        boolean cancel;
        try {
            cancel = check.getAsBoolean();
        } catch (RuntimeException e) {
            log.warn("cancelCheck of a call to '{}' failed; treating as not cancelled", call.entry, e);
            return false;
        }
        if (cancel) {
            cancel(call, "cancelled by its cancel check");
        }
        return cancel;
    }

    private void sendCancel(WorkerProcess w, long id) {
        if (w.state == WorkerProcess.State.DEAD) {
            return;
        }
        try {
            w.writeControl(Envelopes.encodeRequestFrame(wire, RequestEnvelope.cancel(id, wire), maxFrameBytes));
        } catch (RuntimeException e) {
            log.debug("Cancel of request {} not sent: {}", id, e.toString());
        }
    }

    // ---------------------------------------------------------------- worker life cycle

    /** Stops new calls going to {@code w}; it is closed once its live calls are done. */
    private void replace(WorkerProcess w, String reason) {
        synchronized (w) {
            if (w.state != WorkerProcess.State.READY) {
                return;
            }
            w.state = WorkerProcess.State.DRAINING;
        }
        clearAndRestart(w);
        lastFailure = reason;
        log.warn("Replacing worker {}: {}", w.pid, reason);
        try {
            listener.workerReplaced(w.pid, reason);
        } catch (RuntimeException e) {
            log.warn("Listener failed in workerReplaced", e);
        }
        closeIfDrained(w);
    }

    /** Takes {@code w} out of its slot and starts its successor in the background. */
    private void clearAndRestart(WorkerProcess w) {
        for (Slot s : slots) {
            if (s.clear(w) && !closed) {
                try {
                    lifecycle.execute(s::ensureStarted);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // closing
                }
            }
        }
    }

    private void closeIfDrained(WorkerProcess w) {
        if (w.state == WorkerProcess.State.DRAINING && !w.hasLiveAttempts() && w.markDead("replaced")) {
            failPending(w, "worker " + w.pid + " was replaced", false);
            lifecycle.execute(() -> retire(w));
        }
    }

    private void retire(WorkerProcess w) {
        w.shutdown(closeStepMillis);
        processes.remove(w);
    }

    /** Called once the worker's stdout ended, its pipe broke, or it sent garbage. */
    void onDeath(WorkerProcess w, String reason, boolean protocolError) {
        boolean first = w.markDead(reason);
        clearAndRestart(w);
        if (!first) {
            failPending(w, reason, protocolError);
            return;
        }
        if (protocolError) {
            w.kill();
        }
        Integer exit = w.exitCode(20); // a short wait: the calls in flight are failed only after this
        String detail = "Worker " + w.pid + " " + reason + (exit == null ? "" : ", exit code " + exit);
        if (!closed) {
            lastFailure = detail;
            log.warn("{}; last stderr lines: {}", detail, w.stderrTail());
            try {
                listener.workerReplaced(w.pid, detail);
            } catch (RuntimeException e) {
                log.warn("Listener failed in workerReplaced", e);
            }
        }
        failPending(w, detail, protocolError);
        if (!closed) {
            lifecycle.execute(() -> retire(w));
        }
    }

    private void failPending(WorkerProcess w, String detail, boolean protocolError) {
        for (Long id : List.copyOf(w.pending.keySet())) {
            Attempt a = w.pending.remove(id);
            if (a != null && a.settle()) {
                Call call = a.call;
                MoltAccelException e = protocolError
                        ? new MoltProtocolException(detail, call.entry, a.id, null)
                        : new MoltWorkerUnavailableException(detail, call.entry, a.id, null);
                attemptFailed(call, a, e);
            }
        }
    }

    private CompletableFuture<WorkerProcess> startWorker() {
        long t0 = System.nanoTime();
        Process process;
        try {
            process = launcher.start();
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new MoltWorkerUnavailableException(
                    "Cannot start worker (" + launcher + "): " + e.getMessage(), null, 0, e));
        }
        WorkerProcess w = new WorkerProcess(this, process);
        processes.add(w);
        if (closed) {
            w.kill();
            processes.remove(w);
            return CompletableFuture.failedFuture(new MoltWorkerUnavailableException("The client is closed", null, 0, null));
        }
        w.startThreads();
        log.debug("Started worker {} ({})", w.pid, launcher);
        CallOptions pingOptions = CallOptions.builder().codec(Codec.RAW).timeout(startTimeout).build();
        Call ping = new Call(this, Entries.PING, EMPTY, pingOptions, w);
        send(w, ping);
        return ping.handle((r, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                w.markDead("not ready");
                w.kill();
                lifecycle.execute(() -> retire(w));
                List<String> tail = w.stderrTail();
                throw new CompletionException(new MoltWorkerUnavailableException("Worker " + w.pid
                        + " did not become ready (" + cause.getMessage() + ")"
                        + (tail.isEmpty() ? "" : "; last stderr: " + String.join(" | ", tail)), null, 0, cause));
            }
            synchronized (w) {
                if (w.state == WorkerProcess.State.STARTING) {
                    w.state = WorkerProcess.State.READY;
                }
            }
            if (starts.incrementAndGet() > slots.length) {
                restarts.incrementAndGet();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            log.info("Worker {} ready in {} ms ({})", w.pid, took.toMillis(), launcher.source());
            try {
                listener.workerStarted(w.pid, took);
            } catch (RuntimeException e) {
                log.warn("Listener failed in workerStarted", e);
            }
            return w;
        });
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
            return failures > 0 && System.nanoTime() - retryAtNanos < 0;
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
                long wait = retryAtNanos - System.nanoTime();
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
            startWorker().whenComplete((w, failure) -> {
                synchronized (this) {
                    starting = null;
                    if (failure == null) {
                        failures = 0;
                        current = w;
                    } else {
                        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                        failures++;
                        lastStartFailure = cause;
                        long backoff = Math.min(restartBackoffNanos << Math.min(failures - 1, 20), restartBackoffMaxNanos);
                        retryAtNanos = System.nanoTime() + backoff;
                        lastFailure = cause.getMessage();
                    }
                }
                if (failure == null) {
                    f.complete(w);
                } else {
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    log.warn("Worker start failed (slot {}): {}", index, cause.getMessage());
                    try {
                        listener.workerStartFailed(cause);
                    } catch (RuntimeException e) {
                        log.warn("Listener failed in workerStartFailed", e);
                    }
                    f.completeExceptionally(cause);
                }
            });
            return f;
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
