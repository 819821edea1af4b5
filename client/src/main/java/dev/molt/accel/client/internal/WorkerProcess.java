package dev.molt.accel.client.internal;


import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.FrameTooLargeException;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.ProtocolException;
import dev.molt.accel.protocol.ResponseEnvelope;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker connection (a child process over stdio, or any other {@link Connection}): its frame
 * streams, its reader thread (which matches responses to attempts by
 * request id), its stderr drainer thread, and the attempts in flight on it. Owned by a
 * {@link ClientCore}, which decides when it is replaced and closed.
 */
final class WorkerProcess {

    private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);
    private static final Logger workerLog = LoggerFactory.getLogger("dev.molt.accel.worker.stderr");
    private static final int PIPE_BUFFER = 64 * 1024;

    enum State { STARTING, READY, DRAINING, DEAD }

    final ClientCore core;
    /** The worker's end of the transport: a child process, an in-memory worker, a socket. */
    final Connection connection;
    final long pid;
    /** How messages name the worker: its process id, or the endpoint of a socket and the connection's number. */
    final String label;
    final long startedNanos;
    final ConcurrentHashMap<Long, Attempt> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final OutputStream stdin;
    private final InputStream stdout;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The deadline of the write holding the lock; 0 when none is going on or it has no deadline. */
    private volatile long writeDeadline;
    private final AtomicBoolean stuckWriteFlagged = new AtomicBoolean();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final CountDownLatch readerEnded = new CountDownLatch(1);
    private final ConcurrentLinkedQueue<byte[]> deferred = new ConcurrentLinkedQueue<>();
    private final Thread reader;
    /** Changed only by this class's synchronized transitions. */
    private volatile State state = State.STARTING;
    private volatile String deathReason;
    /** Frames answered; written by the reader only, read by the health tick. */
    private volatile long answers;
    /** The request id at which this worker is recycled (max calls, lowered by jitter); never when {@code Long.MAX_VALUE}. */
    final long recycleAtId;
    /** Ticker time at which this worker is recycled for its age (lowered by jitter); {@code Long.MAX_VALUE}: never. */
    final long recycleAtNanos;
    /** Retired by a recycling limit or a shrink: a call that reaches it unsent is dispatched again. */
    volatile boolean gracefulRetire;
    /** A recycling limit was reached while another worker of the pool was being recycled. */
    volatile boolean recycleWanted;
    /** Owned by the health tick (timer thread): answers at the last tick and when the worker was last seen busy. */
    long seenAnswers = -1;
    /** The tick that first saw {@link #seenAnswers}. */
    long answersSeenNanos;
    long seenCalls = -1;
    long idleSinceNanos;
    /** Health probes sent, so that they do not count as use when idleness is judged. */
    volatile long probesSent;

    WorkerProcess(ClientCore core, Connection connection) {
        this.core = core;
        this.connection = connection;
        this.pid = connection.id();
        this.label = connection.label();
        this.startedNanos = System.nanoTime();
        PoolPolicy policy = core.pool;
        this.recycleAtId = policy.recycleMaxCalls() > 0 ? Math.max(1, jittered(policy.recycleMaxCalls(), policy.recycleJitter())) : Long.MAX_VALUE;
        this.recycleAtNanos = policy.recycleMaxAge().isZero() ? Long.MAX_VALUE
                : core.now() + Math.max(1, jittered(policy.recycleMaxAge().toNanos(), policy.recycleJitter()));
        this.idleSinceNanos = core.now();
        this.stdin = new BufferedOutputStream(connection.output(), PIPE_BUFFER);
        this.stdout = new BufferedInputStream(connection.input(), PIPE_BUFFER);
        this.reader = new Thread(this::readLoop, "molt-accel-reader-" + pid);
        this.reader.setDaemon(true);
    }

    /** {@code limit} lowered by a random fraction of at most {@code jitter}, so workers of a pool do not recycle together. */
    static long jittered(long limit, double jitter) {
        return limit - (long) (limit * jitter * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

    /** Request ids used so far (calls, pings, probes). */
    long sent() {
        return ids.get();
    }

    long answers() {
        return answers;
    }

    void startThreads() {
        reader.start();
    }

    long nextId() {
        return ids.incrementAndGet();
    }

    State state() {
        return state;
    }

    boolean isAccepting() {
        return state == State.READY;
    }

    int inFlight() {
        return pending.size();
    }

    /** Whether any attempt on this worker still has a caller waiting for it. */
    boolean hasLiveAttempts() {
        for (Attempt a : pending.values()) {
            if (!a.abandoned) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes a frame. Callers queue on one lock; the frame goes into the pipe's buffer and is
     * flushed only when no other writer is waiting, so that a burst of calls shares flushes while
     * a lone call is flushed at once. Returns whether the frame was written: not when the attempt
     * was withdrawn meanwhile. While the write goes on, its call's deadline is published: the
     * sweeper kills a worker whose pipe stays full past it, which fails this write.
     */
    boolean write(byte[] frame, Attempt attempt) throws IOException, InterruptedException {
        try {
            writeLock.lockInterruptibly();
        } catch (InterruptedException e) {
            scheduleFlush();
            throw e;
        }
        try {
            // an attempt that timed out or was cancelled while its caller waited here is not sent
            boolean send = attempt.markWritten();
            writeDeadline = stuckAfter(attempt.deadlineNanos);
            if (send) {
                stdin.write(frame);
            }
            drainDeferred();
            if (!writeLock.hasQueuedThreads()) {
                stdin.flush();
            }
            return send;
        } finally {
            writeDeadline = 0;
            writeLock.unlock();
        }
    }

    /**
     * When the write starting now counts as stuck: its call's deadline plus a grace, and never earlier
     * than the grace from now (an attempt withdrawn while it waited for the lock still flushes what
     * others deferred, past its own deadline). The grace keeps a writer that was merely descheduled
     * on a busy machine from having a healthy worker replaced; 0 when the call has no deadline.
     */
    private long stuckAfter(long deadline) {
        if (deadline == 0) {
            return 0;
        }
        long now = core.now();
        long at = (deadline - now > 0 ? deadline : now) + STUCK_WRITE_GRACE_NANOS;
        return at == 0 ? 1 : at;
    }

    /** The time past its deadline (or past its start, when later) after which a blocked write is stuck. */
    static final long STUCK_WRITE_GRACE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250);

    /** When the write going on now counts as stuck (ticker time), or 0 when none is going on or it has no deadline. */
    long writeDeadline() {
        return writeDeadline;
    }

    /** True once: the caller is the one to act on a write stuck past its deadline. */
    boolean flagStuckWrite() {
        return stuckWriteFlagged.compareAndSet(false, true);
    }

    /** True once until {@link #endProbe()}: the caller sends the liveness ping. */
    boolean startProbe() {
        return probing.compareAndSet(false, true);
    }

    void endProbe() {
        probing.set(false);
    }

    /**
     * Writes a small control frame without ever blocking the calling thread on the lock: when
     * another writer holds it, the frame is left for that writer to send.
     */
    void writeControl(byte[] frame) {
        deferred.add(frame);
        if (writeLock.tryLock()) {
            try {
                drainDeferred();
                if (!writeLock.hasQueuedThreads()) {
                    stdin.flush();
                }
            } catch (IOException e) {
                log.debug("Worker {}: control frame not written: {}", pid, e.toString());
            } finally {
                writeLock.unlock();
            }
        }
    }

    private void drainDeferred() throws IOException {
        byte[] f;
        while ((f = deferred.poll()) != null) {
            stdin.write(f);
        }
    }

    private void scheduleFlush() {
        core.onLifecycle(() -> writeControl(new byte[0]));
    }

    // ---------------------------------------------------------------- reading

    private void readLoop() {
        String reason;
        boolean protocolError = false;
        CompletionBatch batch = CompletionBatch.open(core.callbacks());
        try {
            while (true) {
                byte[] body = Frames.read(stdout, core.maxFrameBytes);
                if (body == null) {
                    reason = connection.isProcess() ? "worker closed its stdout" : "closed the connection";
                    break;
                }
                ResponseEnvelope response;
                try {
                    response = Envelopes.decodeResponse(body);
                } catch (ProtocolException e) {
                    reason = "undecodable response frame (" + e.getMessage() + ")";
                    protocolError = true;
                    break;
                }
                answers++; // single writer: this thread
                if (!response.isCancelAck()) {
                    Attempt a = pending.remove(response.requestId());
                    if (a == null) {
                        log.debug("Worker {}: response to unknown request {}", pid, Long.toUnsignedString(response.requestId()));
                    } else {
                        core.outcomes.onResponse(a, response);
                    }
                }
            }
        } catch (FrameTooLargeException e) {
            reason = e.getMessage();
            protocolError = true;
        } catch (IOException e) {
            reason = (connection.isProcess() ? "worker stdout" : "the connection") + " closed (" + e.getMessage() + ")";
        } catch (RuntimeException | Error e) {
            reason = "response handling failed (" + e + ")";
            log.error("Worker {}: unexpected failure in the reader", pid, e);
        } finally {
            batch.close();
        }
        readerEnded.countDown();
        core.supervisor.onReaderEnd(this, reason, protocolError);
    }

    /** Waits up to {@code millis} for the reader to see the end of stdout; true when it did. */
    boolean awaitReaderEnd(long millis) {
        try {
            return readerEnded.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines the worker wrote to stderr (bounded, long lines truncated), for diagnostics. */
    List<String> stderrTail() {
        return connection.diagnostics();
    }

    // ---------------------------------------------------------------- ending

    /** STARTING to READY; false when the worker is no longer starting. */
    synchronized boolean markReady() {
        if (state != State.STARTING) {
            return false;
        }
        state = State.READY;
        return true;
    }

    /** READY to DRAINING: takes no new calls; false when it was not taking calls. */
    synchronized boolean beginDraining() {
        if (state != State.READY) {
            return false;
        }
        state = State.DRAINING;
        return true;
    }

    /**
     * Marks the process dead once; later calls return false. Records the reason for messages.
     */
    synchronized boolean markDead(String reason) {
        if (state == State.DEAD) {
            return false;
        }
        state = State.DEAD;
        deathReason = reason;
        return true;
    }

    String deathReason() {
        return deathReason;
    }

    /** Exit code if the process ended within {@code millis}, else {@code null}. */
    Integer exitCode(long millis) {
        return connection.awaitExit(millis);
    }

    /**
     * Closes stdin, the protocol's request to finish accepted work and exit, waiting at most
     * {@code millis} for a writer to leave the pipe. A writer still holding it is blocked on a full
     * pipe: the worker does not read, so it is killed (which fails that write) instead of waited for.
     */
    void closeStdin(long millis) {
        boolean locked = false;
        try {
            locked = writeLock.tryLock(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            log.warn("Worker {}: a write stayed blocked on its full input pipe for {} ms while closing; killing it",
                    pid, millis);
            kill();
            return;
        }
        try {
            stdin.close();
        } catch (IOException e) {
            log.debug("Worker {}: closing stdin: {}", pid, e.toString());
        } finally {
            writeLock.unlock();
        }
    }

    /** Ends the process and its whole tree now (SIGKILL). Does not wait. */
    void kill() {
        connection.kill();
    }

    /**
     * Ordered shutdown, each step bounded by {@code stepMillis}: close stdin, wait, SIGTERM (process
     * and descendants), wait, SIGKILL, wait; then close the remaining pipes and join the threads
     * (unless called from one of them), never waiting on a pipe without a bound.
     */
    void shutdown(long stepMillis) {
        if (connection.isAlive()) {
            closeStdin(stepMillis);
            if (exitCode(stepMillis) == null) {
                log.warn("Worker {} did not exit within {} ms of stdin EOF; sending SIGTERM", pid, stepMillis);
                connection.terminate();
                if (exitCode(stepMillis) == null) {
                    log.warn("Worker {} ignored SIGTERM for {} ms; sending SIGKILL", pid, stepMillis);
                }
            }
        }
        // whatever the worker left behind (a forked grandchild holding its pipes) goes with it
        if (!connection.killAndWait(stepMillis)) {
            log.warn("Worker {}: processes of its tree outlived SIGKILL for {} ms", pid, stepMillis);
        }
        closePipes();
        joinThreads(stepMillis);
    }

    void closePipes() {
        connection.release();
    }

    private void joinThreads(long millis) {
        Thread self = Thread.currentThread();
        try {
            if (self != reader) {
                reader.join(millis);
            }
            for (Thread t : connection.threads()) {
                if (t != self) {
                    t.join(millis);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the worker reads from, for messages: its stdin, or the connection. */
    String inputName() {
        return connection.isProcess() ? "worker stdin" : "the connection";
    }

    @Override
    public String toString() {
        return "worker " + label;
    }
}
