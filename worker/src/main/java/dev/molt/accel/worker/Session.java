package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.FrameTooLargeException;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.ProtocolException;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One session of the protocol over a pair of byte streams: stdin/stdout, or one accepted socket
 * connection. Its reader (the thread that calls {@link #readLoop()}) decodes frames and answers
 * reserved entries inline; exports run on the shared {@link Engine}; responses go out through its
 * {@link FrameWriter}. Request ids, cancels and deadlines belong to the session: two sessions may
 * use the same ids without meeting. Created and driven by one owner (a {@link MoltWorker#serve}
 * call or a socket connection of {@link MoltWorkerServer}); the streams stay the owner's.
 */
final class Session {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());
    private static final byte[] EMPTY = new byte[0];

    private final Map<String, Route> routes;
    private final byte[] exportsJson;
    private final int maxFrameBytes;
    private final long drainTimeoutNanos;
    private final int maxInFlight;
    private final boolean socket;
    private final InputStream in;
    private final FrameWriter writer;
    private final Engine engine;
    private final Runnable onOutputClosed;
    private final DeadlineSweep deadlines;
    /** {@code --request-log json}, or {@code null}. */
    private final RequestLog requestLog;
    private final ConcurrentHashMap<Long, Call> inflight = new ConcurrentHashMap<>();
    private final AtomicInteger outstanding = new AtomicInteger();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean readerDone;
    private volatile boolean outputClosed;
    private volatile boolean draining;
    private volatile boolean stopping;
    /** Last frame read or response written (sockets only: the idle timeout needs it, stdio does not). */
    private volatile long lastActivityNanos = System.nanoTime();

    /**
     * @param maxInFlight requests of this session accepted at once (beyond: {@code Busy}); 0 = no cap
     * @param socket whether this is a socket connection (no drain of its own at end of input,
     *     activity tracked for the idle timeout)
     * @param onOutputClosed run once when the output fails (the peer is gone); may be {@code null}
     */
    Session(MoltWorker worker, Engine engine, InputStream in, OutputStream out, int maxInFlight, boolean socket,
            Runnable onOutputClosed) {
        this.routes = worker.routes();
        this.requestLog = worker.requestLog();
        this.exportsJson = worker.exportsJson();
        this.maxFrameBytes = worker.maxFrameBytes();
        this.drainTimeoutNanos = worker.drainTimeout().toNanos();
        this.maxInFlight = maxInFlight;
        this.socket = socket;
        this.engine = engine;
        this.onOutputClosed = onOutputClosed;
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 64 * 1024);
        this.writer = new FrameWriter(out, this::outputFailed, socket);
        this.deadlines = new DeadlineSweep(engine, inflight.values());
    }

    /**
     * The stdio form: reads on a reader thread of its own until the input ends, then waits for the
     * accepted requests (each bounded by its deadline, all together by the drain timeout), answers
     * what is left {@code InternalError} and flushes. Returns early when the output fails or the
     * calling thread is interrupted (the flag is then set again).
     */
    void serveUntilEnd() {
        Thread reader = NamedThreads.single("molt-accel-worker-reader").newThread(this::readLoop);
        reader.start();
        boolean interrupted = false;
        lock.lock();
        try {
            while (!readerDone && !outputClosed) {
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        } finally {
            lock.unlock();
        }
        if (!interrupted) {
            awaitDrained(System.nanoTime() + drainTimeoutNanos);
            interrupted = Thread.interrupted();
        }
        abortRemaining(interrupted ? "Worker interrupted before the request finished"
                : "Worker shut down before the request finished");
        writer.flush();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.log(Level.DEBUG, "Session ended");
    }

    /**
     * Waits until no accepted request is left, the output fails or {@code deadlineNanos} passes.
     * Returns whether nothing is left to wait for; an interrupt ends the wait (flag set again).
     */
    boolean awaitDrained(long deadlineNanos) {
        lock.lock();
        try {
            while (outstanding.get() > 0 && !outputClosed) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** From now on exports are answered {@code Busy} (the worker is shutting down); pings still answer. */
    void startDraining() {
        lock.lock();
        try {
            draining = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The owner is about to close the streams: the reader's failure is expected, not a warning. */
    void stopping() {
        stopping = true;
    }

    /**
     * Answers every request still open {@code InternalError} with {@code message} (one response
     * each, if the output still works; if it does not, the requests are only stopped).
     */
    void abortRemaining(String message) {
        if (outstanding.get() == 0 || outputClosed) {
            if (outputClosed) {
                cancelRemaining();
            }
            return;
        }
        List<Call> left = new ArrayList<>(inflight.values());
        if (!left.isEmpty()) {
            LOG.log(Level.WARNING, "Stopping with {0} request(s) unfinished", left.size());
        }
        for (Call c : left) {
            c.abort(message);
        }
    }

    /** The peer is gone: stops the requests still running for it (their answers go nowhere) and forgets them. */
    void cancelRemaining() {
        for (Call c : new ArrayList<>(inflight.values())) {
            c.cancel();
        }
    }

    void flush() {
        writer.flush();
    }

    int outstanding() {
        return outstanding.get();
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** How long a response write has been blocked (the client does not read), 0 when none is. */
    long writeStalledNanos(long now) {
        return writer.stalledNanos(now);
    }

    // ------------------------------------------------------------------ reader

    /** Reads and handles frames until the input ends or fails, or the output fails; on the caller's thread. */
    void readLoop() {
        try {
            while (!outputClosed) {
                byte[] body;
                try {
                    body = Frames.read(in, maxFrameBytes);
                } catch (FrameTooLargeException e) {
                    LOG.log(Level.WARNING, "Ending input: {0}", e.getMessage());
                    return;
                } catch (EOFException e) {
                    LOG.log(stopping ? Level.DEBUG : Level.WARNING, "Ending input: {0}", e.getMessage());
                    return;
                } catch (IOException e) {
                    if (!outputClosed && !stopping) {
                        LOG.log(Level.WARNING, "Ending input: cannot read requests: {0}", e.toString());
                    }
                    return;
                }
                if (body == null) {
                    LOG.log(Level.DEBUG, "End of input");
                    return;
                }
                long now = System.nanoTime();
                if (socket) {
                    lastActivityNanos = now;
                }
                try {
                    onFrame(body, now);
                } catch (Throwable t) {
                    // nothing a peer sends may stop the reader
                    LOG.log(Level.WARNING, "Could not handle a request frame: " + t, t);
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "Request reader failed: " + t, t);
        } finally {
            lock.lock();
            try {
                readerDone = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void onFrame(byte[] body, long arrivalNanos) {
        Wire wire = Envelopes.detectWire(body);
        RequestEnvelope request;
        try {
            request = Envelopes.decodeRequest(wire, body);
        } catch (ProtocolException e) {
            LOG.log(Level.DEBUG, "Undecodable request: {0}", e.getMessage());
            Codec codec = wire == Wire.JSON ? Codec.JSON : Codec.MSGPACK;
            write(wire, ResponseEnvelope.failure(e.requestId(), Status.INVALID_INPUT, codec, e.getMessage(), Map.of()));
            return;
        }
        long decodeNanos = System.nanoTime() - arrivalNanos;
        String entry = request.entry();
        if (Entries.isReserved(entry)) {
            if (entry.equals(Entries.PING)) {
                write(wire, ResponseEnvelope.ok(request.requestId(), Codec.RAW, EMPTY, Map.of()));
            } else if (entry.equals(Entries.EXPORTS)) {
                // prebuilt and small: answered by the reader like a ping, never behind the queue
                write(wire, ResponseEnvelope.ok(request.requestId(), Codec.JSON, exportsJson, Map.of()));
            } else if (entry.equals(Entries.CANCEL)) {
                write(wire, ResponseEnvelope.cancelAck(request.requestId()));
                Call target = inflight.get(request.requestId());
                if (target != null && target.cancel()) {
                    LOG.log(Level.DEBUG, "Cancelled {0}", target);
                }
            } else {
                reject(wire, request, Status.INVALID_INPUT, "Unknown entry '" + MoltWorker.printable(entry, 64) + "'.", decodeNanos);
            }
            return;
        }
        Route route = routes.get(entry);
        if (route == null) {
            reject(wire, request, Status.INVALID_INPUT, "Unknown entry '" + MoltWorker.printable(entry, 64) + "'.", decodeNanos);
            return;
        }
        if (route.codecIn() != null && route.codecIn() != request.codec()) {
            reject(wire, request, Status.INVALID_INPUT, "Entry '" + entry + "' expects codec '" + route.codecIn().id()
                    + "' but the request has codec '" + request.codec().id() + "'", decodeNanos);
            return;
        }
        if (draining) {
            reject(wire, request, Status.BUSY, "Worker is shutting down", decodeNanos);
            return;
        }
        // only this reader thread increments the count, so the check cannot be overtaken
        if (maxInFlight > 0 && outstanding.get() >= maxInFlight) {
            reject(wire, request, Status.BUSY, "Too many requests in flight on this connection", decodeNanos);
            return;
        }
        accept(new Call(this, request, wire, route, arrivalNanos, decodeNanos));
    }

    private void accept(Call call) {
        outstanding.incrementAndGet();
        inflight.put(call.requestIdValue(), call);
        if (call.hasDeadline()) {
            deadlines.arm(call.deadline());
        }
        call.queueDepth = engine.queueDepth();
        try {
            engine.execute(call);
        } catch (RejectedExecutionException e) {
            call.finish(Status.BUSY, "Worker queue full", null);
        }
    }

    private void reject(Wire wire, RequestEnvelope request, Status status, String error, long decodeNanos) {
        Map<String, Object> metrics = Map.of(
                "decode_us", decodeNanos / 1000L,
                "payload_bytes", (long) request.payload().length);
        write(wire, ResponseEnvelope.failure(request.requestId(), status, request.codec(), error, metrics));
        if (requestLog != null) {
            requestLog.answered(request.requestId(), request.entry(), status, 0, 0, request.headers());
        }
    }

    // ------------------------------------------------------------------ answers

    /** Called exactly once per accepted call, by whichever thread decided its outcome. */
    void answered(Call call, boolean wasQueued, Status status, String error, byte[] payload) {
        try {
            if (wasQueued) {
                engine.remove(call); // frees its queue slot at once
            }
            inflight.remove(call.requestIdValue(), call);
            long now = System.nanoTime();
            ResponseEnvelope response = status == Status.OK
                    ? ResponseEnvelope.ok(call.requestIdValue(), call.codecFor(status), payload, call.metrics(now))
                    : ResponseEnvelope.failure(call.requestIdValue(), status, call.codecFor(status), error,
                            call.metrics(now));
            write(call.wire(), response);
            if (requestLog != null) {
                Map<String, Object> m = response.metrics();
                requestLog.answered(call.requestIdValue(), call.entry(), status, micros(m.get("queue_us")),
                        micros(m.get("exec_us")), call.headers());
            }
            if (socket) {
                lastActivityNanos = now;
            }
            if (LOG.isLoggable(Level.DEBUG)) {
                LOG.log(Level.DEBUG, "{0} -> {1}", call, status);
            }
        } finally {
            release();
        }
    }

    private static long micros(Object v) {
        return v instanceof Number n ? n.longValue() : 0;
    }

    /** Gives up on a call whose response could not even be built (for example out of memory). */
    void abandon(Call call) {
        inflight.remove(call.requestIdValue(), call);
        release();
    }

    private void release() {
        // only a drain (end of input, shutdown) waits for the count to reach zero; waking the
        // serving thread for every request would cost a context switch per request
        if (outstanding.decrementAndGet() == 0 && (readerDone || outputClosed || draining)) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void write(Wire wire, ResponseEnvelope response) {
        byte[] frame;
        try {
            frame = Envelopes.encodeResponseFrame(wire, response, maxFrameBytes);
        } catch (IllegalArgumentException e) {
            // the result is larger than a frame may be: say so instead of breaking the stream
            ResponseEnvelope tooLarge = ResponseEnvelope.failure(response.requestId(), Status.INTERNAL_ERROR,
                    response.codec(), "Response exceeds the frame limit of " + maxFrameBytes + " bytes",
                    response.metrics());
            frame = Envelopes.encodeResponseFrame(wire, tooLarge, maxFrameBytes);
        }
        writer.write(frame);
    }

    private void outputFailed() {
        if (socket) {
            LOG.log(Level.DEBUG, "Connection closed by the client");
        } else {
            LOG.log(Level.WARNING, "Response stream closed: the client is gone; stopping");
        }
        lock.lock();
        try {
            outputClosed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (onOutputClosed != null) {
            onOutputClosed.run();
        }
    }
}
