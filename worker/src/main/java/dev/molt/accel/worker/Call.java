package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.SafeErrors;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One accepted request: the task a worker thread (or the session reader that read it, when the
 * engine was idle) runs and the context its handler sees.
 *
 * <p>Its state moves by compare-and-set from QUEUED to RUNNING to ANSWERED; whoever moves it to
 * ANSWERED first (the thread running it with a result, the timer at the deadline, the reader on a
 * {@code __cancel__}, or the session at shutdown) writes the one response; everybody else's outcome
 * is discarded.
 */
final class Call extends RequestContext implements Runnable {

    private static final AtomicIntegerFieldUpdater<Call> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Call.class, "state");
    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());

    static final int QUEUED = 0;
    static final int RUNNING = 1;
    static final int ANSWERED = 2;

    private final Session session;
    private final Wire wire;
    private final Route route;
    private final long arrivalNanos;
    private final long envelopeDecodeNanos;
    private final long deadlineNanos;
    private final boolean hasDeadline;

    int queueDepth;
    /** Whether the pool thread running it holds one of the {@link Engine}'s slots; only that thread uses it. */
    boolean slotTaken;

    private volatile int state = QUEUED;
    private volatile boolean cancelled;
    private volatile boolean timedOut;
    /**
     * The thread running the handler while it runs: interrupted when the call is cancelled, times
     * out or is aborted. Guarded by {@code this}, so that an interrupt can never reach the thread
     * after the handler returned (when it may already run another request).
     */
    private Thread runner;
    private volatile long startNanos;
    private volatile long payloadDecodeNanos;
    private volatile long handlerStartNanos;
    private volatile long handlerEndNanos;
    private Map<String, Object> handlerMetrics;

    Call(Session session, RequestEnvelope request, Wire wire, Route route, long arrivalNanos,
            long envelopeDecodeNanos) {
        super(request, route.responseCodec(request.codec()));
        this.session = session;
        this.wire = wire;
        this.route = route;
        this.arrivalNanos = arrivalNanos;
        this.envelopeDecodeNanos = envelopeDecodeNanos;
        this.hasDeadline = request.timeoutMs() > 0;
        this.deadlineNanos = hasDeadline ? arrivalNanos + request.timeoutMs() * 1_000_000L : 0L;
    }

    // ------------------------------------------------------------------ execution

    @Override
    public void run() {
        if (!STATE.compareAndSet(this, QUEUED, RUNNING)) {
            return;
        }
        startNanos = System.nanoTime();
        if (hasDeadline && startNanos - deadlineNanos >= 0) {
            finishTimeout();
            return;
        }
        try {
            Export export = route.export();
            Object input;
            if (export.rawRequest()) {
                input = request.payload();
            } else {
                long t0 = System.nanoTime();
                try {
                    input = route.decodeInput(request);
                } catch (PayloadException e) {
                    finish(Status.INVALID_INPUT, e.getMessage(), null);
                    return;
                } finally {
                    payloadDecodeNanos = System.nanoTime() - t0;
                }
            }
            handlerStartNanos = System.nanoTime();
            Object result;
            setRunner(Thread.currentThread());
            try {
                if (state == ANSWERED) {
                    // answered while the payload was decoded: too early to be interrupted, so the
                    // handler must not start at all
                    return;
                }
                result = export.handler().handle(input, this);
            } finally {
                setRunner(null);
                // an interrupt that came while the handler ran is this call's, not the next task's
                Thread.interrupted();
                handlerEndNanos = System.nanoTime();
            }
            if (state == ANSWERED) {
                return; // cancelled or timed out meanwhile: the late result is discarded
            }
            byte[] payload = encode(result);
            finish(Status.OK, null, payload);
        } catch (RequestCancelledException e) {
            if (timedOut || (hasDeadline && System.nanoTime() - deadlineNanos >= 0)) {
                finishTimeout();
            } else {
                finish(Status.CANCELLED, "Request cancelled", null);
            }
        } catch (MoltRejectedException e) {
            finish(Status.INVALID_INPUT, SafeErrors.mark(e.getMessage()), null);
        } catch (IllegalArgumentException | PayloadException e) {
            // a PayloadException here comes from the handler's own conversions of its input
            finish(Status.INVALID_INPUT, messageOf(e), null);
        } catch (ResultEncodingException e) {
            finish(Status.INTERNAL_ERROR, e.getMessage(), null);
        } catch (Exception e) {
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, "Export '" + route.name() + "' failed", e);
            }
            finish(Status.INTERNAL_ERROR, messageOf(e), null);
        } catch (Throwable t) {
            handleError(t);
        }
    }

    private byte[] encode(Object result) {
        try {
            return route.encodeResult(result, request.codec(), responseCodec);
        } catch (PayloadException e) {
            throw new ResultEncodingException("Export '" + route.name() + "' returned a result that cannot be sent: "
                    + e.getMessage());
        }
    }

    /** A result that cannot be encoded is the handler's fault, not the caller's. */
    private static final class ResultEncodingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ResultEncodingException(String message) {
            super(message, null, false, false);
        }
    }

    private void handleError(Throwable t) {
        // Errors (OutOfMemoryError, StackOverflowError, ...) must not kill the worker thread or
        // leave the request unanswered; the message may itself fail to build under memory pressure.
        try {
            LOG.log(System.Logger.Level.WARNING, "Export '" + route.name() + "' failed with " + t, t);
        } catch (Throwable ignored) {
            // nothing more to do about it
        }
        try {
            finish(Status.INTERNAL_ERROR, messageOf(t), null);
        } catch (Throwable again) {
            if (STATE.getAndSet(this, ANSWERED) != ANSWERED) {
                session.abandon(this);
            }
        }
    }

    /** Longest error message sent back; a handler's exception message may be anything. */
    static final int MAX_ERROR_CHARS = 300;

    static String messageOf(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        // one short line: no multi-line dumps, no control characters
        int n = Math.min(m.length(), MAX_ERROR_CHARS);
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = m.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                if (sb == null) {
                    sb = new StringBuilder(n).append(m, 0, i);
                }
                sb.append(' ');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        String line = sb != null ? sb.toString() : m.substring(0, n);
        // only a MoltRejectedException may carry the safe mark: a message that quotes a caller's
        // input could otherwise begin with it
        line = SafeErrors.unmarked(line);
        return m.length() > n ? line + "..." : line;
    }

    // ------------------------------------------------------------------ outcomes from other threads

    /** Called by the deadline sweep once the deadline passed. */
    void onDeadline() {
        finishTimeout();
    }

    /** Called by the reader on a {@code __cancel__}; returns whether this call was still unanswered. */
    boolean cancel() {
        return finish(Status.CANCELLED, "Request cancelled", null);
    }

    /** Called by the session when it stops waiting for accepted work. */
    boolean abort(String message) {
        return finish(Status.INTERNAL_ERROR, message, null);
    }

    private void finishTimeout() {
        timedOut = true;
        finish(Status.TIMEOUT, "Request timed out", null);
    }

    /**
     * Answers the request unless it was answered already. Returns whether this outcome won.
     */
    boolean finish(Status status, String error, byte[] payload) {
        if (status != Status.OK) {
            cancelled = true; // before the state change, so that the handler sees it as soon as possible
        }
        int previous = STATE.getAndSet(this, ANSWERED);
        if (previous == ANSWERED) {
            return false;
        }
        cancelled = true; // also for Ok: nothing the handler does any more can matter
        if (status != Status.OK) {
            // only once this outcome has won: an interrupted handler's own failure must not beat it
            interruptRunner();
        }
        session.answered(this, previous == QUEUED, status, error, payload);
        return true;
    }

    boolean isAnswered() {
        return state == ANSWERED;
    }

    private synchronized void setRunner(Thread t) {
        runner = t;
    }

    /**
     * Interrupts the handler's thread, if it is still in the handler: {@code Thread.sleep},
     * {@code BlockingQueue.take}, {@code LockSupport.park}, {@code Object.wait} and interruptible
     * I/O return at once. A handler that neither blocks nor checks {@link #isCancelled()} runs on
     * to its end; a JVM cannot stop a thread safely.
     */
    private synchronized void interruptRunner() {
        Thread t = runner;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
    }

    // ------------------------------------------------------------------ response data

    long requestIdValue() {
        return request.requestId();
    }

    Wire wire() {
        return wire;
    }

    Codec codecFor(Status status) {
        return status == Status.OK ? responseCodec : request.codec();
    }

    long deadline() {
        return deadlineNanos;
    }

    Map<String, Object> metrics(long nowNanos) {
        Map<String, Object> m = new LinkedHashMap<>(16);
        long start = startNanos;
        long queueEnd = start != 0 ? start : nowNanos;
        long queued = Math.max(0L, queueEnd - arrivalNanos);
        long hs = handlerStartNanos;
        long he = handlerEndNanos;
        long handler = hs == 0 ? 0L : Math.max(0L, (he != 0 ? he : nowNanos) - hs);
        long exec = start == 0 ? 0L : Math.max(0L, nowNanos - start);
        m.put("decode_us", (envelopeDecodeNanos + payloadDecodeNanos) / 1000L);
        m.put("queue_us", queued / 1000L);
        m.put("queue_ms", queued / 1_000_000L);
        m.put("queue_depth", (long) queueDepth);
        m.put("payload_bytes", (long) request.payload().length);
        m.put("handler_us", handler / 1000L);
        m.put("exec_us", exec / 1000L);
        m.put("exec_ms", exec / 1_000_000L);
        synchronized (this) {
            if (handlerMetrics != null) {
                for (Map.Entry<String, Object> e : handlerMetrics.entrySet()) {
                    m.putIfAbsent(e.getKey(), e.getValue());
                }
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ MoltContext

    @Override
    public Map<String, String> headers() {
        return request.headers();
    }

    @Override
    public boolean hasDeadline() {
        return hasDeadline;
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    @Override
    public long remainingNanos() {
        return hasDeadline ? deadlineNanos - System.nanoTime() : Long.MAX_VALUE;
    }

    @Override
    public boolean isCancelled() {
        return cancelled || (hasDeadline && System.nanoTime() - deadlineNanos >= 0);
    }

    @Override
    public void throwIfCancelled() {
        if (cancelled) {
            throw new RequestCancelledException(timedOut ? "Request timed out" : "Request cancelled", timedOut);
        }
        if (hasDeadline && System.nanoTime() - deadlineNanos >= 0) {
            throw new RequestCancelledException("Request timed out", true);
        }
    }

    @Override
    public void putMetric(String key, long value) {
        checkKey(key);
        if (value < 0) {
            throw new IllegalArgumentException("Metric '" + key + "' must be >= 0, got " + value);
        }
        putHandlerMetric(key, value);
    }

    @Override
    public void putMetric(String key, String value) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        putHandlerMetric(key, value);
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("Metric key must not be empty");
        }
    }

    private synchronized void putHandlerMetric(String key, Object value) {
        if (handlerMetrics == null) {
            handlerMetrics = new LinkedHashMap<>(8);
        }
        handlerMetrics.put(key, value);
    }

    @Override
    public String toString() {
        return "Call[" + Long.toUnsignedString(request.requestId()) + ", " + request.entry() + "]";
    }
}
