package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.client.MoltTimeoutException;
import dev.molt.accel.client.MoltWorkerUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's warm-up calls ({@code MoltClientBuilder.warmup}): after a new worker answered its
 * readiness {@code __ping__} and before it takes traffic, each call is sent to it, one at a time,
 * pinned to that worker and not counted as a user call. Any answer of the worker counts, an error
 * status included (logged at WARN once per client); a worker that dies or breaks the protocol
 * meanwhile did not become ready; when the start timeout runs out the worker takes traffic
 * anyway (WARN once). Thread-safe; runs on the lifecycle executor.
 */
final class WorkerWarmup {

    private static final Logger log = LoggerFactory.getLogger(WorkerWarmup.class);

    private final List<WarmupRequest> requests;
    private final AtomicBoolean warned = new AtomicBoolean();

    WorkerWarmup(List<WarmupRequest> requests) {
        this.requests = List.copyOf(requests);
    }

    /**
     * Sends the warm-up calls to {@code w} and waits for their answers, at most until
     * {@code deadlineNanos} ({@link System#nanoTime()}: the end of the start timeout).
     *
     * @return {@code null} when the worker may take traffic, else why it may not
     */
    Throwable runOn(ClientCore core, WorkerProcess w, long deadlineNanos) {
        if (requests.isEmpty()) {
            return null;
        }
        long t0 = System.nanoTime();
        int sent = 0;
        for (WarmupRequest r : requests) {
            for (int i = 0; i < r.count(); i++) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    warnOnce("Worker {}: warm-up stopped after {} call(s): the start timeout ran out", w.pid, sent);
                    return null;
                }
                CallOptions options = CallOptions.builder().codec(r.codec())
                        .timeout(Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), left))).build();
                Call call = new Call(core, r.entry(), r.payload(), options, w, false, core.now());
                core.send(w, call);
                sent++;
                try {
                    call.get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    core.outcomes.cancel(call, "warm-up past the start timeout");
                    warnOnce("Worker {}: warm-up stopped after {} call(s): the start timeout ran out", w.pid, sent);
                    return null;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof MoltWorkerUnavailableException || cause instanceof MoltProtocolException) {
                        return cause;
                    }
                    if (cause instanceof MoltTimeoutException) {
                        warnOnce("Worker {}: warm-up stopped after {} call(s): the start timeout ran out", w.pid, sent);
                        return null;
                    }
                    warnOnce("Worker {}: warm-up call '{}' was answered with an error ({}); an answer is enough, going on",
                            w.pid, r.entry(), cause.getMessage());
                } catch (InterruptedException e) {
                    core.outcomes.cancel(call, "interrupted");
                    Thread.currentThread().interrupt();
                    return e;
                }
            }
        }
        log.debug("Worker {} answered {} warm-up call(s) in {} ms", w.pid, sent,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return null;
    }

    private void warnOnce(String format, Object... args) {
        if (warned.compareAndSet(false, true)) {
            log.warn(format, args);
        }
    }
}
