package dev.molt.accel.client.internal;

import dev.molt.accel.client.MoltWorkerUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One position of a client's pool: at most one worker taking calls, started on demand on the
 * lifecycle executor, with exponential backoff after failed starts. Its fields change under its lock.
 */
final class WorkerSlot {

    private static final Logger log = LoggerFactory.getLogger(WorkerSlot.class);

    private final ClientCore core;
    final int index;
    volatile WorkerProcess current;
    private CompletableFuture<WorkerProcess> starting;
    private int failures;
    private long retryAtNanos;
    private Throwable lastStartFailure;
    /** Workers of this position replaced after a failure, and recycled (diagnostics only). */
    final AtomicLong restarts = new AtomicLong();
    final AtomicLong recycles = new AtomicLong();

    WorkerSlot(ClientCore core, int index) {
        this.core = core;
        this.index = index;
    }

    synchronized boolean isBackingOff() {
        return failures > 0 && core.now() - retryAtNanos < 0;
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

    /**
     * Makes the ready spare {@code w} this slot's worker unless it has one taking calls; calls
     * waiting for a start of this slot get {@code w} at once, and the worker still starting becomes
     * a spare when it is ready.
     */
    boolean adopt(WorkerProcess w) {
        CompletableFuture<WorkerProcess> waiting;
        synchronized (this) {
            if (current != null && current.isAccepting()) {
                return false;
            }
            current = w;
            waiting = starting;
            starting = null;
        }
        if (waiting != null) {
            waiting.complete(w);
        }
        return true;
    }

    /** Whether the slot has no worker taking calls. */
    boolean isEmpty() {
        WorkerProcess w = current;
        return w == null || !w.isAccepting();
    }

    /** Replaces {@code old} by the ready {@code next}, or fills the slot if {@code old} left it; false when another worker took it. */
    synchronized boolean swap(WorkerProcess old, WorkerProcess next) {
        if (current == old || current == null || !current.isAccepting()) {
            current = next;
            return true;
        }
        return false;
    }

    /** The slot's worker, or the start of one on the lifecycle executor (never on the caller's thread). */
    CompletableFuture<WorkerProcess> ensureStarted() {
        adoptSpareIfEmpty();
        CompletableFuture<WorkerProcess> f;
        synchronized (this) {
            WorkerProcess w = current;
            if (w != null && w.isAccepting()) {
                return CompletableFuture.completedFuture(w);
            }
            if (starting != null) {
                return starting;
            }
            if (core.closed) {
                return CompletableFuture.failedFuture(new MoltWorkerUnavailableException("The client is closed", null, 0, null));
            }
            long wait = retryAtNanos - core.now();
            if (failures > 0 && wait > 0) {
                return CompletableFuture.failedFuture(new MoltWorkerUnavailableException(
                        "Worker restarting after " + failures + " failed core.start(s); next attempt in "
                                + TimeUnit.NANOSECONDS.toMillis(wait) + " ms; last failure: "
                                + (lastStartFailure == null ? "unknown" : lastStartFailure.getMessage()),
                        null, 0, lastStartFailure));
            }
            f = new CompletableFuture<>();
            starting = f;
        }
        core.maintainer.positionStarts.incrementAndGet();
        try {
            core.lifecycle.execute(() -> core.supervisor.startWorker().whenComplete((w, failure) -> started(f, w, failure)));
        } catch (RejectedExecutionException e) {
            started(f, null, new MoltWorkerUnavailableException("The client is closed", null, 0, null));
        }
        return f;
    }

    /**
     * A position without a worker taking calls takes a ready spare at once (also while its own
     * starts back off): no call waits for a start while a spare is ready. A new spare then starts
     * in the background.
     */
    private void adoptSpareIfEmpty() {
        if (!isEmpty() || core.closed || index >= core.supervisor.activeSlots()) {
            return;
        }
        WorkerProcess spare = core.maintainer.takeSpare();
        if (spare == null) {
            return;
        }
        if (adopt(spare)) {
            log.info("Spare worker {} takes the calls of position {}", spare.pid, index);
            core.maintainer.topUpSpares();
        } else {
            core.maintainer.spares.addFirst(spare); // another ready worker filled the position meanwhile
        }
    }

    /**
     * Whether the {@code inARow}-th failure in a row is logged at WARN: the 1st, 2nd, 4th, 8th, ...
     * (DEBUG in between), so a worker or endpoint that keeps failing is reported ever more rarely.
     */
    static boolean warnsAt(int inARow) {
        return inARow <= 1 || Integer.bitCount(inARow) == 1;
    }

    private void started(CompletableFuture<WorkerProcess> f, WorkerProcess w, Throwable failure) {
        core.maintainer.positionStarts.decrementAndGet();
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        WorkerProcess extra = null;
        WorkerProcess winner = w;
        boolean orphanFailed = false;
        int inARow;
        synchronized (this) {
            if (starting == f) {
                starting = null;
            }
            if (failure == null) {
                failures = 0;
                WorkerProcess now = current;
                if (now != null && now.isAccepting() && now != w) {
                    extra = w; // a spare or a recycle filled the slot meanwhile
                    winner = now;
                } else if (index >= core.supervisor.activeSlots()) {
                    extra = w; // the pool shrank below this slot while it started: a waiting call goes elsewhere
                } else {
                    current = w;
                }
            } else if (f.isDone()) {
                // a spare was adopted meanwhile and the waiting calls have it: this start's failure is
                // only logged, and the spare it was counted as must start after all
                core.lastFailure = cause.getMessage();
                orphanFailed = true;
            } else {
                failures++;
                lastStartFailure = cause;
                long backoff = Math.min(core.restartBackoffNanos << Math.min(failures - 1, 20), core.restartBackoffMaxNanos);
                retryAtNanos = core.now() + backoff;
                core.lastFailure = cause.getMessage();
            }
            inARow = failures;
        }
        if (orphanFailed || (failure == null && extra == null)) {
            // a start counted as a spare on its way failed, or filled a position instead
            core.maintainer.topUpSpares();
        }
        if (extra != null) {
            core.maintainer.offerSpare(extra);
            f.complete(winner);
        } else if (failure == null) {
            f.complete(w);
        } else {
            if (!core.closed) {
                // a worker that keeps failing (an endpoint down for minutes) must not flood the log:
                // WARN at failures 1, 2, 4, 8, ... in a row, DEBUG in between
                if (warnsAt(inARow)) {
                    log.warn("Worker start failed (slot {}, {} in a row): {}", index, Math.max(1, inARow), cause.getMessage());
                } else {
                    log.debug("Worker start failed (slot {}, {} in a row): {}", index, inARow, cause.getMessage());
                }
                core.listener.workerStartFailed(cause);
            }
            f.completeExceptionally(cause);
        }
    }
}
