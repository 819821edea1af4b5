package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltBusyException;
import dev.molt.accel.client.MoltCancelledException;
import dev.molt.accel.client.MoltErrorCode;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.client.MoltTimeoutException;
import dev.molt.accel.client.MoltWorkerUnavailableException;

import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.ResponseEnvelope;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a call once an attempt ends: the answer, a failure decided by the
 * {@link RetryPolicy}, the deadline, a cancel. Completes each call once, on the callback executor
 * for {@code callAsync} and directly (waking the caller) for a blocking {@code call()}.
 */
final class CallOutcomes {

    private static final Logger log = LoggerFactory.getLogger(CallOutcomes.class);
    /** Moves of one call's unsent attempt to another worker, after which it fails as its worker's loss decides. */
    static final int MAX_REDIRECTS = 8;

    private final ClientCore core;

    CallOutcomes(ClientCore core) {
        this.core = core;
    }
    static MoltTimeoutException deadlinePassed(Call call, long id, long now) {
        long late = TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - call.deadlineNanos));
        int attempts = call.attempts;
        return new MoltTimeoutException("No answer from '" + call.entry + "' within its "
                + call.options.timeout().toMillis() + " ms deadline (passed by " + late + " ms; " + attempts
                + (attempts == 1 ? " attempt)" : " attempts)"), call.entry, id, null);
    }

    /** Called by a worker's reader thread with the answer to an attempt: decides, hands off, never runs user code. */
    void onResponse(Attempt a, ResponseEnvelope r) {
        WorkerProcess w = a.worker;
        if (!a.settle()) {
            core.supervisor.closeIfDrained(w);
            return;
        }
        Call call = a.call;
        long clientNanos = core.now() - a.sentNanos;
        switch (r.status()) {
            case OK -> succeed(call, Results.factory().result(call.entry, a.id, r.codec(), r.payloadOrEmpty(),
                    call.options.decodeResponse(), r.metrics(), clientNanos, call.payload.length, w.connection.peer()), r, clientNanos);
            case BUSY -> {
                core.supervisor.grow("a Busy answer");
                attemptFailed(call, a, new MoltBusyException(message(r, "Worker queue full"), call.entry, a.id, null), r, clientNanos);
            }
            case TIMEOUT -> attemptFailed(call, a, new MoltTimeoutException(message(r, "Request timed out"), call.entry, a.id, null), r, clientNanos);
            case CANCELLED -> attemptFailed(call, a, new MoltCancelledException(message(r, "Request cancelled"), call.entry, a.id, null), r, clientNanos);
            case INVALID_INPUT -> attemptFailed(call, a, MoltInvalidInputException.fromWorker(r.error(), call.entry, a.id), r, clientNanos);
            case INTERNAL_ERROR -> attemptFailed(call, a, new MoltInternalErrorException(message(r, "Internal error"), call.entry, a.id, null), r, clientNanos);
        }
        core.supervisor.closeIfDrained(w);
    }

    static String message(ResponseEnvelope r, String fallback) {
        return r.error() == null || r.error().isEmpty() ? fallback : r.error();
    }

    static RetryPolicy.Failure kindOf(MoltAccelException failure) {
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
    void attemptFailed(Call call, Attempt a, MoltAccelException failure, ResponseEnvelope r, long clientNanos) {
        if (call.isDecided()) {
            return;
        }
        long now = core.now();
        long left = call.deadlineNanos == 0 ? RetryPolicy.NO_DEADLINE : call.deadlineNanos - now;
        RetryPolicy.Decision d = RetryPolicy.decide(kindOf(failure), call.retryOptions(core.maxRestarts), call.retriesUsed,
                call.restartsUsed, left, core.closed);
        switch (d.action()) {
            case FAIL -> fail(call, failure, r, clientNanos);
            case RESEND -> {
                call.restartsUsed++;
                log.debug("Re-sending idempotent call to '{}' after: {}", call.entry, failure.getMessage());
                onLifecycleOrFail(call, failure, () -> {
                    runResponseHooks(call, r, clientNanos);
                    core.dispatch(call);
                });
            }
            case RETRY -> {
                call.retriesUsed++;
                Runnable resend = () -> onLifecycleOrFail(call, failure, () -> {
                    runResponseHooks(call, r, clientNanos);
                    core.dispatch(call);
                });
                if (d.delayNanos() == 0) {
                    resend.run();
                } else {
                    core.sweeper.addTimer(now + d.delayNanos(), resend);
                }
            }
        }
    }

    /**
     * Sends again, on another worker, an attempt whose frame was never written: its worker died or
     * stopped taking calls before the frame reached the pipe, so the worker never saw the request.
     * This holds for any call, idempotent or not, and uses none of its restarts; it is bounded by
     * {@link #MAX_REDIRECTS} and by the call's deadline (checked when the attempt is sent). The
     * attempt is settled and out of its worker's pending calls already. The dispatch writes, so it
     * runs on the lifecycle executor.
     */
    void redirect(Call call, Attempt a, MoltAccelException failure) {
        if (call.isDecided()) {
            return;
        }
        if (call.pinned != null || call.redirects >= MAX_REDIRECTS) {
            attemptFailed(call, a, failure, null, 0);
            return;
        }
        call.redirects++;
        call.attempts--;
        log.debug("Call to '{}' goes to another worker, unsent: {}", call.entry, failure.getMessage());
        onLifecycleOrFail(call, failure, () -> core.dispatch(call));
    }

    /** Whether the retry policy re-sends {@code call} now if its worker is lost (idempotent, restarts and time left). */
    boolean resendsAfterLoss(Call call) {
        if (call.isDecided()) {
            return false;
        }
        long left = call.deadlineNanos == 0 ? RetryPolicy.NO_DEADLINE : call.deadlineNanos - core.now();
        return RetryPolicy.decide(RetryPolicy.Failure.WORKER_LOST, call.retryOptions(core.maxRestarts), call.retriesUsed,
                call.restartsUsed, left, core.closed).action() == RetryPolicy.Action.RESEND;
    }

    void onLifecycleOrFail(Call call, MoltAccelException failure, Runnable task) {
        try {
            core.lifecycle.execute(task);
        } catch (RejectedExecutionException e) {
            fail(call, failure, null, 0);
        }
    }

    void succeed(Call call, MoltResult result, ResponseEnvelope r, long clientNanos) {
        deliver(call, result, null, r, clientNanos);
    }

    void fail(Call call, MoltAccelException failure, ResponseEnvelope r, long clientNanos) {
        deliver(call, null, failure, r, clientNanos);
    }

    /**
     * Completes the call once. An asynchronous call completes on the callback executor (the response
     * hooks, the listener and whatever the user chained run there); a blocking call completes here,
     * which only wakes its caller, who then runs the hooks and the listener.
     */
    void deliver(Call call, MoltResult result, MoltAccelException failure, ResponseEnvelope r, long clientNanos) {
        if (!call.decide()) {
            return;
        }
        String outcome = result != null ? "ok" : failure.errorCode();
        if (call.async) {
            CompletionBatch.submit(core.callbacks, () -> {
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

    void runResponseHooks(Call call, ResponseEnvelope r, long clientNanos) {
        if (r == null) {
            return;
        }
        CallOptions o = call.options;
        if (o.afterRecv() != null) {
            runHook(o.afterRecv(), r, "afterRecv");
        }
        if (o.metrics() != null) {
            runHook(o.metrics(), Results.factory().mergeMetrics(r.metrics(), clientNanos, call.payload.length,
                    r.payloadOrEmpty().length), "metrics");
        }
    }

    void ended(Call call, String outcome) {
        if (call.pinned == null && !Entries.isReserved(call.entry)) {
            core.listener.callCompleted(call.entry, outcome, core.now() - call.startNanos);
        }
    }

    /** On the timer: the call's deadline passed with this attempt unanswered. */
    void onClientTimeout(Attempt a, long now) {
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
            core.supervisor.closeIfDrained(w);
        } else {
            long id = a.id;
            core.onLifecycle(() -> sendCancel(w, id));
            if (call.pinned == null) {
                core.sweeper.addTimer(now + core.cancelGraceNanos, () -> core.supervisor.afterCancelGrace(w, id));
            }
        }
        attemptFailed(call, a, timeout, null, 0);
    }

    /**
     * Called after the caller cancelled the call's future, or its cancel check or an interrupt did.
     * The cancel is already counted: {@code stats().cancels()} includes it before the future shows it.
     */
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
            core.supervisor.closeIfDrained(a.worker);
        }
        if (!Entries.isReserved(call.entry)) {
            core.listener.callCancelled(call.entry);
        }
        ended(call, MoltErrorCode.CANCELLED.code());
        log.debug("Call to '{}' {}", call.entry, why);
    }

    void cancel(Call call, String why) {
        MoltCancelledException e = new MoltCancelledException("Call to '" + call.entry + "' " + why, call.entry,
                ClientCore.requestIdOf(call), null);
        // counted first: whoever sees the future fail (another thread, maybe) finds the cancel in the stats
        core.cancels.incrementAndGet();
        if (call.completeExceptionally(e)) {
            afterCancel(call, why);
        } else {
            core.cancels.decrementAndGet();
        }
    }

    void sendCancel(WorkerProcess w, long id) {
        if (w.state() == WorkerProcess.State.DEAD) {
            return;
        }
        try {
            w.writeControl(Envelopes.encodeRequestFrame(core.wire, RequestEnvelope.cancel(id, core.wire), core.maxFrameBytes));
        } catch (RuntimeException e) {
            log.debug("Cancel of request {} not sent: {}", id, e.toString());
        }
    }

    static <T> void runHook(java.util.function.Consumer<T> hook, T value, String what) {
        try {
            hook.accept(value);
        } catch (RuntimeException e) {
            log.warn("{} hook failed; ignored", what, e);
        }
    }
}
