package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.client.MoltWorkerUnavailableException;

import dev.molt.accel.protocol.Codec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker slots of one client and every worker's life cycle: start with readiness, balance,
 * liveness probe, replace, retire with a hard limit, death, ordered and bounded close. Blocking
 * steps run on the lifecycle executor.
 */
final class WorkerSupervisor {

    private static final Logger log = LoggerFactory.getLogger(WorkerSupervisor.class);
    private static final byte[] EMPTY = new byte[0];
    /** How long after a worker exited its stdout may stay open (buffered answers) before a descendant is blamed. */
    private static final long EXIT_DRAIN_MILLIS = 200;

    private final ClientCore core;
    /** Every position up to the maximum pool size; the first {@link #activeSlots} take calls. */
    final WorkerSlot[] slots;
    /** Positions in use: the pool size, more while an elastic pool has grown. */
    private final java.util.concurrent.atomic.AtomicInteger active;
    /** Calls in flight on the least loaded worker above which an elastic pool grows; MAX_VALUE: never. */
    private final int growAbove;
    /** The most positions an elastic pool grows to ({@code slots} may hold more: an endpoints pool's addresses). */
    private final int growLimit;

    WorkerSupervisor(ClientCore core, int slotCount, int maxSlots, int capacity, int scaleUpInFlight) {
        this.core = core;
        this.growLimit = maxSlots;
        this.slots = new WorkerSlot[Math.max(maxSlots, capacity)];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new WorkerSlot(core, i);
        }
        this.active = new java.util.concurrent.atomic.AtomicInteger(slotCount);
        this.growAbove = maxSlots > slotCount && scaleUpInFlight > 0 ? scaleUpInFlight : Integer.MAX_VALUE;
    }

    int activeSlots() {
        return active.get();
    }

    /** The slot whose worker is {@code w}, or {@code null}. */
    WorkerSlot slotOf(WorkerProcess w) {
        for (WorkerSlot s : slots) {
            if (s.current == w) {
                return s;
            }
        }
        return null;
    }

    /** Adds one position to an elastic pool (calls in flight above the threshold, or a Busy answer); bounded by its maximum. */
    void grow(String why) {
        int n = active.get();
        if (n < growLimit && !core.closed && active.compareAndSet(n, n + 1)) {
            log.info("Client '{}': pool grows to {} workers ({})", core.name, n + 1, why);
            slots[n].ensureStarted();
        }
    }

    /** Sets the positions in use (an endpoints pool following its addresses) and returns the previous number. */
    int resizeTo(int n) {
        return active.getAndSet(Math.max(1, Math.min(n, slots.length)));
    }

    /** On the lifecycle executor: the top position of a grown pool stayed idle for the idle timeout. */
    void shrink(int index, WorkerProcess w) {
        if (index < core.poolSize || !active.compareAndSet(index + 1, index)) {
            return;
        }
        WorkerProcess current = slots[index].current;
        if (current != null && slots[index].clear(current)) {
            log.info("Client '{}': pool shrinks to {} workers (worker {} idle)", core.name, index, current.pid);
            core.maintainer.retireGracefully(current, "idle above the pool size");
        }
    }
    void closeInParallel(List<WorkerProcess> workers, long limitMillis) {
        if (workers.isEmpty()) {
            return;
        }
        List<Thread> closers = new ArrayList<>();
        for (WorkerProcess w : workers) {
            Thread t = new Thread(() -> w.shutdown(core.closeStepMillis), "molt-accel-closer-" + w.pid);
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
                log.warn("Client '{}': worker {} did not close within {} ms; killing it", core.name, w.pid, limitMillis);
                w.kill();
            }
            core.processes.remove(w);
        }
    }

    void awaitQuietly(java.util.concurrent.ExecutorService e, long millis, String what) {
        try {
            if (!e.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                log.warn("Client '{}': {} threads did not stop within {} ms", core.name, what, millis);
                e.shutdownNow();
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    Executor lifecycleOrDirect() {
        return task -> {
            try {
                core.lifecycle.execute(task);
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
    WorkerSlot pick() {
        if (slots.length == 1) {
            return slots[0];
        }
        int n = active.get();
        int start = Math.floorMod(core.roundRobin.getAndIncrement(), n);
        WorkerSlot best = null;
        int bestLoad = Integer.MAX_VALUE;
        WorkerSlot idle = null;
        for (int i = 0; i < n; i++) {
            WorkerSlot s = slots[(start + i) % n];
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
            if (bestLoad >= growAbove && idle == null) {
                grow(bestLoad + " calls in flight on the least loaded worker");
            }
            return best;
        }
        return idle != null ? idle : slots[start];
    }

    /**
     * On the timer, a cancel grace after a timed-out request's {@code __cancel__}: a worker that has
     * not answered it yet gets a {@code __ping__}; only one that misses that too is replaced. A
     * worker that is slow (CPU starvation, a handler ignoring cancellation) but alive stays.
     */
    void afterCancelGrace(WorkerProcess w, long id) {
        if (w.pending.containsKey(id) && w.isAccepting() && w.startProbe()) {
            core.onLifecycle(() -> probe(w, id));
        }
    }

    void probe(WorkerProcess w, long id) {
        CallOptions options = CallOptions.builder().codec(Codec.RAW).timeout(core.probeTimeout).build();
        Call ping = core.pinnedPing(w, options);
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
                        + core.probeTimeout.toMillis() + " ms");
            }
        }, lifecycleOrDirect());
    }

    /** On the lifecycle executor: a write stayed blocked past its call's deadline, so the worker does not read. */
    void onStuckWrite(WorkerProcess w) {
        replace(w, "its input pipe stayed full past a call's deadline");
        w.kill(); // fails the blocked write; the reader then sees the end of stdout
    }

    /** Stops new calls going to {@code w}; it is closed once its live calls are done, or at its hard limit. */
    void replace(WorkerProcess w, String reason) {
        if (!w.beginDraining()) {
            return;
        }
        clearAndRestart(w);
        core.lastFailure = reason;
        log.warn("Replacing worker {}: {}", w.label, reason);
        core.listener.workerReplaced(w.pid, reason);
        // a retiring worker is destroyed after cancel grace + close timeout, whatever its calls do
        core.sweeper.addTimer(core.now() + core.retireLimitNanos, () -> {
            if (w.markDead("replaced")) {
                failPending(w, "worker " + w.pid + " was replaced and did not finish its core.calls within "
                        + TimeUnit.NANOSECONDS.toMillis(core.retireLimitNanos) + " ms", false);
                core.onLifecycle(() -> {
                    w.kill();
                    retire(w);
                });
            }
        });
        closeIfDrained(w);
    }

    /** Takes {@code w} out of its slot; a ready spare takes its place at once, else its successor starts in the background. */
    void clearAndRestart(WorkerProcess w) {
        for (WorkerSlot s : slots) {
            if (s.clear(w) && !core.closed && s.index < active.get()) {
                s.restarts.incrementAndGet();
                s.ensureStarted();
            }
        }
        core.maintainer.onGone(w);
    }

    void closeIfDrained(WorkerProcess w) {
        if (w.state() == WorkerProcess.State.DRAINING && !w.hasLiveAttempts() && w.markDead("replaced")) {
            failPending(w, "worker " + w.pid + " was replaced", false);
            core.onLifecycle(() -> retire(w));
        }
    }

    void retire(WorkerProcess w) {
        w.shutdown(core.closeStepMillis);
        core.processes.remove(w);
    }

    /** Called by the reader once the worker's stdout ended or it sent garbage, or by a writer whose pipe broke. */
    void onReaderEnd(WorkerProcess w, String reason, boolean protocolError) {
        boolean first = w.markDead(reason);
        clearAndRestart(w);
        if (first && protocolError) {
            w.kill();
        }
        resendAtOnce(w, reason, protocolError);
        core.onLifecycle(() -> afterDeath(w, protocolError, first));
    }

    /**
     * As soon as a worker's connection ended (on its reader, or the writer whose pipe broke), and
     * before its exit code is waited for: every call in flight on it that may be sent again goes to
     * a live worker (its slot's spare, once adopted) now. An attempt whose frame never reached the
     * pipe is moved whatever the call (the worker never saw it); one that was written is re-sent
     * only when the retry policy re-sends a lost worker's call (idempotent, a restart left, time
     * left). Only state changes here: the sends run on the lifecycle executor. The calls left are
     * failed by {@link #afterDeath}, with the exit code in their message.
     */
    void resendAtOnce(WorkerProcess w, String reason, boolean protocolError) {
        for (Attempt a : w.pending.values()) {
            Call call = a.call;
            if (call.pinned != null) {
                continue;
            }
            boolean unsent = a.withdrawUnwritten();
            if (!unsent && !core.outcomes.resendsAfterLoss(call)) {
                continue;
            }
            if (w.pending.remove(a.id, a) && a.settle()) {
                String detail = "Worker " + w.pid + " " + reason;
                MoltAccelException e = protocolError && !unsent
                        ? new MoltProtocolException(detail, call.entry, a.id, null)
                        : new MoltWorkerUnavailableException(detail, call.entry, a.id, null);
                if (unsent) {
                    core.outcomes.redirect(call, a, e);
                } else {
                    core.outcomes.attemptFailed(call, a, e, null, 0);
                }
            }
        }
    }

    /**
     * On the lifecycle executor: reports a dead worker, fails or re-sends its calls, and retires it.
     * A second report of the same death (its reader's end and its exit) may run before the first:
     * both fail the calls left with the reason the first one recorded, and the worker's name.
     */
    void afterDeath(WorkerProcess w, boolean protocolError, boolean first) {
        Integer exit = w.exitCode(20); // a short wait: the calls in flight are failed only after this
        String detail = "Worker " + w.label + " " + w.deathReason() + (exit == null ? "" : ", exit code " + exit);
        if (!first) {
            failPending(w, detail, protocolError);
            return;
        }
        if (!core.closed) {
            core.lastFailure = detail;
            log.warn("{}; last stderr lines: {}", detail, w.stderrTail());
            core.listener.workerReplaced(w.pid, detail);
        }
        failPending(w, detail, protocolError);
        if (!core.closed) {
            retire(w);
        }
    }

    /**
     * On the lifecycle executor, when the worker process exited: its stdout may still hold answers,
     * so the reader gets a moment to read them; if it sees no end of stdout, a descendant holds the
     * pipe, and the process tree is killed.
     */
    void onProcessExit(WorkerProcess w) {
        if (w.state() == WorkerProcess.State.DEAD || w.awaitReaderEnd(EXIT_DRAIN_MILLIS)) {
            return;
        }
        w.kill();
        onReaderEnd(w, w.connection.isProcess() ? "exited while a descendant kept its output open" : "closed the connection", false);
    }

    void failPending(WorkerProcess w, String detail, boolean protocolError) {
        for (Long id : List.copyOf(w.pending.keySet())) {
            Attempt a = w.pending.remove(id);
            if (a != null && a.settle()) {
                Call call = a.call;
                MoltAccelException e = protocolError
                        ? new MoltProtocolException(detail, call.entry, a.id, null)
                        : new MoltWorkerUnavailableException(detail, call.entry, a.id, null);
                core.outcomes.attemptFailed(call, a, e, null, 0);
            }
        }
    }

    /** On the lifecycle executor: spawns a worker and sends its readiness ping. */
    CompletableFuture<WorkerProcess> startWorker() {
        if (core.endpoints != null) {
            core.endpoints.startTicking();
        }
        long t0 = System.nanoTime();
        Connection connection;
        try {
            connection = core.transport.open();
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new MoltWorkerUnavailableException(
                    "Cannot start worker (" + core.transport.describe() + "): " + e.getMessage(), null, 0, e));
        }
        WorkerProcess w = new WorkerProcess(core, connection);
        core.processes.add(w);
        if (core.closed) {
            w.kill();
            core.processes.remove(w);
            return CompletableFuture.failedFuture(new MoltWorkerUnavailableException("The client is closed", null, 0, null));
        }
        w.startThreads();
        connection.onPeerExit().thenRunAsync(() -> onProcessExit(w), lifecycleOrDirect());
        log.debug("Started worker {} ({})", w.pid, core.transport.describe());
        CallOptions pingOptions = CallOptions.builder().codec(Codec.RAW).timeout(core.startTimeout).build();
        Call ping = core.pinnedPing(w, pingOptions);
        return ping.handleAsync((r, pingFailure) -> {
            // warm-up calls, if any, come after the readiness ping and before the worker takes traffic
            Throwable failure = pingFailure != null ? pingFailure
                    : core.warmup.runOn(core, w, t0 + core.startTimeout.toNanos());
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                w.markDead("not ready");
                w.kill();
                retire(w);
                List<String> tail = w.stderrTail();
                throw new CompletionException(new MoltWorkerUnavailableException("Worker " + w.label
                        + " did not become ready (" + cause.getMessage() + ")"
                        + (tail.isEmpty() ? "" : "; last stderr: " + String.join(" | ", tail)), null, 0, cause));
            }
            w.markReady();
            connection.ready();
            long started = core.starts.incrementAndGet();
            if (started > core.poolSize + core.pool.spareWorkers()) {
                core.restarts.incrementAndGet();
            }
            if (started == 1) {
                core.maintainer.startTicking();
                core.maintainer.topUpSpares();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            log.info("Worker {} ready in {} ms ({})", w.label, took.toMillis(), core.transport.source());
            core.listener.workerStarted(w.pid, took);
            return w;
        }, lifecycleOrDirect());
    }

    /**
     * Sends {@code call} to the least loaded ready worker, or waits for a start on the lifecycle
     * executor (bounded by the call's deadline, except for the client's very first start).
     */
    void dispatch(Call call) {
        if (call.isDecided()) {
            return;
        }
        if (core.closed) {
            core.outcomes.fail(call, new MoltWorkerUnavailableException("The client is closed", call.entry, 0, null), null, 0);
            return;
        }
        WorkerSlot slot = pick();
        WorkerProcess w = slot.current;
        if (w != null && w.isAccepting()) {
            core.send(w, call);
            return;
        }
        CompletableFuture<WorkerProcess> starting = slot.ensureStarted();
        // only the client's very first start may take up to the start timeout: a call waiting for
        // it starts its deadline once that worker is ready; later waits count against the deadline
        boolean firstStart = core.starts.get() == 0;
        long deadline = call.deadlineNanos;
        if (!starting.isDone() && deadline != 0 && !firstStart) {
            call.waitingForStart = true;
            core.sweeper.addTimer(deadline, () -> {
                if (call.waitingForStart) {
                    core.outcomes.fail(call, new MoltWorkerUnavailableException("No worker became ready within the call's "
                            + call.options.timeout().toMillis() + " ms deadline", call.entry, 0, null), null, 0);
                }
            });
        }
        starting.whenCompleteAsync((started, failure) -> {
            call.waitingForStart = false;
            if (failure != null) {
                core.outcomes.attemptFailed(call, null, ClientCore.unavailable(failure, call.entry), null, 0);
            } else {
                if (firstStart && call.attempts == 0 && call.timeoutNanos > 0) {
                    call.deadlineNanos = Attempt.nonZero(core.now() + call.timeoutNanos);
                }
                core.send(started, call);
            }
        }, lifecycleOrDirect());
    }

    /**
     * The bounded close: fails the calls in flight, closes every worker in parallel under one limit
     * (three close steps and a little), then stops the timer and the owned executors.
     */
    void closeAll(long closeStepMillis, ThreadPoolExecutor ownCallbacks) {
        List<WorkerProcess> all = new ArrayList<>(core.processes);
        for (WorkerProcess w : all) {
            w.markDead("client closed");
        }
        for (WorkerProcess w : all) {
            failPending(w, "the client was closed", false);
        }
        long limitMillis = closeStepMillis * 3 + 500;
        closeInParallel(all, limitMillis);
        core.sweeper.shutdown();
        core.lifecycle.shutdown();
        try {
            if (!core.lifecycle.awaitTermination(closeStepMillis, TimeUnit.MILLISECONDS)) {
                log.warn("Client '{}': worker start/stop threads did not finish within {} ms", core.name, closeStepMillis);
                core.lifecycle.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // started while closing: they never took a call
        closeInParallel(new ArrayList<>(core.processes), limitMillis);
        if (ownCallbacks != null) {
            ownCallbacks.shutdown();
            awaitQuietly(ownCallbacks, closeStepMillis, "callback");
        }
        awaitQuietly(core.sweeper.timer, closeStepMillis, "timer");
    }

}
