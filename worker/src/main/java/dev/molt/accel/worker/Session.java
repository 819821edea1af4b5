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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One session of the protocol over a pair of byte streams: stdin/stdout, or one accepted socket
 * connection. Its reader decodes frames and answers reserved entries inline; exports run on the
 * shared {@link Engine}; responses go out through its {@link FrameWriter}. Request ids, cancels and
 * deadlines belong to the session: two sessions may use the same ids without meeting. Created and
 * driven by one owner (a {@link MoltWorker#serve} call or a socket connection of
 * {@link MoltWorkerServer}); the streams stay the owner's.
 *
 * <p>Two threads of the session read its stream by turns, exactly one at a time: the first (a thread
 * {@link #serveUntilEnd()} starts, or the connection thread that calls {@link #readLoop()}) and its
 * partner, started with it and ending with it. When the engine is idle and the partner waits for its
 * turn, the reading thread hands the turn to the partner and runs the call it just read itself: a
 * lone request skips the wake-up of a parked pool thread, which costs about as much as a small
 * handler, while cancels, pings and further requests are still read. The partner is woken before the
 * handler starts, so that its wake-up overlaps the handler instead of delaying the call. Once the
 * call returns, its thread waits for its next turn; while it runs, calls go to the engine's pool as
 * usual, so a session never runs two calls on its own threads.
 *
 * <p>Thread-safe: its two entry points are called once, by the owner; the others (drain, abort,
 * flush, counts) from any thread.
 */
final class Session {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());
    private static final byte[] EMPTY = new byte[0];
    private static final String READER = "molt-accel-worker-reader";
    /**
     * How long the end of a session waits for its threads: a call the session no longer waits for was
     * answered or interrupted by then, so this only bounds a handler that ignores its interrupt (which
     * keeps its thread until it returns, as it would keep a pool thread).
     */
    private static final long THREADS_END_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

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

    /** The thread that reads first; set before either thread reads. */
    private Thread first;
    /** Its partner, {@code null} if it could not start; set before either thread reads. */
    private Thread second;
    /** The thread whose turn it is to read; {@code null} once reading is over. */
    private volatile Thread turn;
    /** Whether the thread that is not reading waits for its turn (rather than running a call). */
    private volatile boolean partnerFree = true;
    /** The session's threads stop: its reading is over, or {@link #serveUntilEnd()} is returning. */
    private volatile boolean ended;
    /**
     * A call the thread that read it runs itself: set by {@link #accept}, taken and cleared by the same
     * thread before it hands the turn over (so only the thread whose turn it is ever sees it).
     */
    private Call runHere;

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
     * The stdio form: reads on reader threads of its own until the input ends, then waits for the
     * accepted requests (each bounded by its deadline, all together by the drain timeout), answers
     * what is left {@code InternalError}, flushes and waits (briefly) for its threads to end. Returns
     * early when the output fails or the calling thread is interrupted (the flag is then set again);
     * then the thread blocked in a read of the input ends only when the input ends or is closed.
     */
    void serveUntilEnd() {
        Thread reader = NamedThreads.single(READER).newThread(this::relay);
        startReaders(reader, READER + "-2");
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
        Thread reading = readerDone ? null : turn;
        stopThreads();
        awaitThreads(reading);
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

    /**
     * The socket form: reads and handles frames on the calling thread and the session's second
     * thread (named after the calling one, with {@code -2}) until the input ends or fails, or the
     * output fails; the calls still open are then cancelled (the client is gone). Returns once the
     * calling thread's last turn is over and the second thread ended (waited for briefly: a handler
     * that ignores its interrupt keeps it until it returns).
     */
    void readLoop() {
        Thread me = Thread.currentThread();
        startReaders(me, me.getName() + "-2");
        relay();
        awaitThreads(null);
    }

    /** Makes {@code reader} the thread that reads first and starts its partner, which waits for its turn. */
    private void startReaders(Thread reader, String partnerName) {
        first = reader;
        turn = reader;
        second = NamedThreads.single(partnerName).newThread(this::relay);
        try {
            second.start();
        } catch (OutOfMemoryError e) {
            // no thread to be had: this session runs every call on the pool, as with one reader
            second = null;
            LOG.log(Level.WARNING, "Could not start a second reader thread: {0}", e.toString());
        }
    }

    private Thread partnerOf(Thread t) {
        return t == first ? second : first;
    }

    /**
     * The body of each reader thread: reads while it is this thread's turn, runs the call it handed
     * the turn over for, waits for its next turn; until the session's threads stop.
     */
    private void relay() {
        Thread me = Thread.currentThread();
        while (awaitTurn(me)) {
            Call call = readFrames();
            if (call == null) {
                return;
            }
            runHere(call);
        }
    }

    /** Returns true once it is {@code me}'s turn to read, false when the session's threads stop first. */
    private boolean awaitTurn(Thread me) {
        while (turn != me) {
            if (ended) {
                return false;
            }
            LockSupport.park(this);
            // nothing interrupts a session's thread on purpose; should something, this must not spin
            Thread.interrupted();
        }
        return true;
    }

    /**
     * Reads and handles frames while it is this thread's turn. Returns a call to run on this thread
     * (the turn has passed to the partner), or {@code null} once reading is over (ended by this thread).
     */
    private Call readFrames() {
        Call handedOver = null;
        try {
            while (!outputClosed && !ended) {
                byte[] body;
                try {
                    body = Frames.read(in, maxFrameBytes);
                } catch (FrameTooLargeException e) {
                    LOG.log(Level.WARNING, "Ending input: {0}", e.getMessage());
                    return null;
                } catch (EOFException e) {
                    LOG.log(stopping ? Level.DEBUG : Level.WARNING, "Ending input: {0}", e.getMessage());
                    return null;
                } catch (IOException e) {
                    if (!outputClosed && !stopping) {
                        LOG.log(Level.WARNING, "Ending input: cannot read requests: {0}", e.toString());
                    }
                    return null;
                }
                if (body == null) {
                    LOG.log(Level.DEBUG, "End of input");
                    return null;
                }
                if (ended) {
                    return null; // serveUntilEnd is returning: nobody answers this frame any more
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
                handedOver = runHere;
                if (handedOver != null) {
                    runHere = null; // before the partner has the turn: the field is the reading thread's
                    handOver();
                    return handedOver;
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "Request reader failed: " + t, t);
        } finally {
            if (handedOver == null) {
                endReading();
            }
        }
        return null;
    }

    /**
     * Passes the turn to the partner, which reads from now on; it is woken before the handler starts,
     * so that its wake-up overlaps the handler instead of delaying the call.
     */
    private void handOver() {
        Thread partner = partnerOf(Thread.currentThread());
        partnerFree = false;
        turn = partner;
        LockSupport.unpark(partner);
    }

    /** Runs a call this thread read, while its partner reads; then this thread is the free one. */
    private void runHere(Call call) {
        try {
            call.run();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "Running " + call + " failed: " + t, t);
        } finally {
            engine.ranHere();
            // an interrupt meant for the handler must not reach this thread's next read (an
            // interrupted read of a Unix socket's channel closes the channel)
            Thread.interrupted();
            partnerFree = true;
        }
    }

    /** The reading is over: the serving thread is told, and the session's threads stop. */
    private void endReading() {
        if (socket) {
            // the client closed or the connection broke: nothing it asked for is wanted any more, and
            // a call running on the other thread is stopped now rather than when it ends by itself
            cancelRemaining();
        }
        lock.lock();
        try {
            readerDone = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        stopThreads();
    }

    private void stopThreads() {
        ended = true;
        turn = null;
        Thread me = Thread.currentThread();
        for (Thread t : new Thread[] {first, second}) {
            if (t != null && t != me) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Waits, at most {@link #THREADS_END_WAIT_NANOS} in all, for the session's threads to end, except
     * the calling thread and {@code reading} (blocked in a read of an input that has not ended).
     */
    private void awaitThreads(Thread reading) {
        long end = System.nanoTime() + THREADS_END_WAIT_NANOS;
        Thread me = Thread.currentThread();
        for (Thread t : new Thread[] {first, second}) {
            if (t == null || t == me || t == reading) {
                continue;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                t.join(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
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
        // only the thread whose turn it is to read increments the count, so the check cannot be overtaken
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
        if (second != null && partnerFree && !ended && engine.tryRunHere()) {
            runHere = call;
            return;
        }
        if (!engine.execute(call)) {
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
