package dev.molt.accel.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * A running socket server of a {@link MoltWorker}: listens on every address of
 * {@link MoltWorker.Builder#listen}, each accepted connection an independent session (its own request
 * ids and cancels) served by two reader threads of its own ({@code molt-worker-conn-<n>} and
 * {@code molt-worker-conn-<n>-2}), which read by turns so that one can run a request itself while
 * the other reads on (see {@code Session}); all sessions share one bounded queue and pool of worker
 * threads, so {@code Busy} means the worker is full. Two reader threads per connection cost about two
 * thread stacks per client, fine for the tens to hundreds of connections a worker behind a few web
 * applications gets ({@code maxConnections} caps it).
 *
 * <p>Thread-safe. The server owns its sockets and threads; {@link #shutdown()} (or {@link #close()})
 * stops accepting, lets the requests in flight finish within the drain timeout, answers the rest,
 * closes every connection and returns.
 */
public final class MoltWorkerServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());
    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final long CLOSE_WAIT_MS = 5_000;
    /** A response write blocked this long (the client's receive window stays full) closes the connection. */
    private static final long STALLED_WRITE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final MoltWorker worker;
    private final SocketOptions options;
    private final Engine engine;
    private final List<Listener> listeners = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final Set<Conn> conns = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger connIds = new AtomicInteger();
    private final AtomicLong lastRefusalWarning = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(2));
    private final AtomicBoolean shutdownStarted = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean shuttingDown;

    private MoltWorkerServer(MoltWorker worker) {
        this.worker = worker;
        this.options = worker.socketOptions();
        this.engine = new Engine(worker);
    }

    static MoltWorkerServer start(MoltWorker worker) throws IOException {
        SocketOptions o = worker.socketOptions();
        if (o.listen().isEmpty()) {
            throw new IllegalStateException("no address to listen on: set listen(...) on the builder");
        }
        for (ListenAddress a : o.listen()) {
            Listener.checkPlaintext(a, o.allowPlaintext());
        }
        SSLContext tls = o.needsTls() ? TlsFiles.serverContext(o.tlsCert(), o.tlsKey(), o.tlsClientCa()) : null;
        MoltWorkerServer server = new MoltWorkerServer(worker);
        try {
            for (ListenAddress a : o.listen()) {
                server.listeners.add(Listener.bind(a, o.socketMode(), tls, o.tlsClientCa() != null));
            }
        } catch (IOException | RuntimeException e) {
            server.listeners.forEach(Listener::close);
            server.engine.shutdownNow();
            throw e;
        }
        server.startThreads();
        return server;
    }

    private void startThreads() {
        int n = 1;
        for (Listener l : listeners) {
            Thread t = NamedThreads.single("molt-worker-accept-" + n++).newThread(() -> acceptLoop(l));
            acceptors.add(t);
            t.start();
        }
        long idle = options.idleTimeout().toNanos();
        long period = idle > 0
                ? Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(idle / 4, TimeUnit.SECONDS.toNanos(5)))
                : TimeUnit.SECONDS.toNanos(5);
        engine.scheduleAtFixedRate(this::closeIdleAndStalled, period);
    }

    /** The addresses listened on, with the ports actually bound, e.g. {@code tcp://127.0.0.1:43567}. */
    public List<String> addresses() {
        List<String> out = new ArrayList<>();
        for (Listener l : listeners) {
            out.add(l.bound().toString());
        }
        return Collections.unmodifiableList(out);
    }

    /** Connections open now (accepted, including those still in their TLS handshake). */
    public int openConnections() {
        return open.get();
    }

    // ------------------------------------------------------------------ accepting

    private void acceptLoop(Listener l) {
        while (!shuttingDown) {
            Connection c;
            try {
                c = l.accept();
            } catch (IOException | RuntimeException e) {
                if (shuttingDown) {
                    return;
                }
                LOG.log(Level.WARNING, "Accept on {0} failed: {1}", l.bound(), e.toString());
                pauseAfterAcceptFailure(); // e.g. out of file descriptors: do not spin
                continue;
            }
            if (open.incrementAndGet() > options.maxConnections() || shuttingDown) {
                open.decrementAndGet();
                c.closeHard();
                warnRefused(l);
                continue;
            }
            Conn conn = new Conn(connIds.incrementAndGet(), c);
            conns.add(conn);
            Thread t = NamedThreads.single("molt-worker-conn-" + conn.id).newThread(() -> serve(conn));
            t.start();
        }
    }

    private static void pauseAfterAcceptFailure() {
        try {
            TimeUnit.MILLISECONDS.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void warnRefused(Listener l) {
        long now = System.nanoTime();
        long last = lastRefusalWarning.get();
        if (now - last > TimeUnit.MINUTES.toNanos(1) && lastRefusalWarning.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "Refusing connections on {0}: {1} connection(s) open, the maximum "
                    + "(max connections); at most one such warning a minute", l.bound(), options.maxConnections());
        } else {
            LOG.log(Level.DEBUG, "Refused a connection on {0}: connection limit", l.bound());
        }
    }

    private void serve(Conn conn) {
        try {
            try {
                conn.connection.handshake(HANDSHAKE_TIMEOUT_MS);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "TLS handshake with {0} failed: {1}", conn.connection.peer(), e.getMessage());
                return;
            }
            Session s = new Session(worker, engine, conn.connection.in(), conn.connection.out(),
                    options.maxInFlightPerConnection(), true, conn.connection::closeHard);
            conn.session = s;
            if (shuttingDown) {
                s.startDraining();
            }
            LOG.log(Level.DEBUG, "Connection {0} from {1}", conn.id, conn.connection.peer());
            // returns once the client closed (the socket form of stdin EOF), the input broke or we
            // closed it; the session has cancelled the calls still open by then
            s.readLoop();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "Connection " + conn.id + " failed: " + t, t);
        } finally {
            conn.connection.closeHard();
            conns.remove(conn);
            open.decrementAndGet();
        }
    }

    private void closeIdleAndStalled() {
        // runs on the timer; closing a plain socket does not block
        long now = System.nanoTime();
        long idle = options.idleTimeout().toNanos();
        for (Conn c : conns) {
            Session s = c.session;
            if (s == null) {
                continue;
            }
            if (idle > 0 && s.outstanding() == 0 && now - s.lastActivityNanos() > idle) {
                LOG.log(Level.DEBUG, "Closing idle connection {0}", c.id);
                s.stopping();
                c.connection.closeHard();
            } else if (s.writeStalledNanos(now) > STALLED_WRITE_NANOS) {
                // a client that stops reading must not hold worker threads in its writes
                LOG.log(Level.WARNING, "Closing connection {0} from {1}: it has not read a response for {2} s",
                        c.id, c.connection.peer(), TimeUnit.NANOSECONDS.toSeconds(STALLED_WRITE_NANOS));
                s.stopping();
                c.connection.closeHard();
            }
        }
    }

    // ------------------------------------------------------------------ stdio beside the sockets

    /**
     * Serves one stdio session on this server's queue and threads until {@code in} ends, as
     * {@link MoltWorker#serve} does; the caller then shuts the server down.
     */
    void serveStdio(InputStream in, OutputStream out) {
        new Session(worker, engine, in, out, 0, false, null).serveUntilEnd();
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Stops accepting (a Unix socket's file is removed), answers new requests on open connections
     * {@code Busy}, waits up to the drain timeout for the requests in flight, answers what is left
     * {@code InternalError}, closes every connection and stops the threads. Idempotent; a second
     * caller waits for the first one's shutdown.
     */
    public void shutdown() {
        shutdown(null);
    }

    /**
     * {@link #shutdown()}, telling {@code onStopping} (connections, requests in flight) once it stops
     * accepting: from a shutdown hook, where {@code java.util.logging} may already be closed.
     */
    void shutdown(java.util.function.BiConsumer<Integer, Integer> onStopping) {
        if (!shutdownStarted.compareAndSet(false, true)) {
            awaitTermination(worker.drainTimeout().plusMillis(CLOSE_WAIT_MS * 3));
            return;
        }
        try {
            shuttingDown = true;
            listeners.forEach(Listener::close);
            for (Thread t : acceptors) {
                join(t, CLOSE_WAIT_MS);
            }
            List<Conn> now = new ArrayList<>(conns);
            int inFlight = 0;
            for (Conn c : now) {
                Session s = c.session;
                if (s != null) {
                    s.startDraining();
                    inFlight += s.outstanding();
                }
            }
            LOG.log(Level.INFO, "molt-worker stopping: {0} connection(s), {1} request(s) in flight", now.size(), inFlight);
            if (onStopping != null) {
                onStopping.accept(now.size(), inFlight);
            }
            long deadline = System.nanoTime() + worker.drainTimeout().toNanos();
            for (Conn c : now) {
                Session s = c.session;
                if (s != null) {
                    s.awaitDrained(deadline);
                }
            }
            // answering and flushing write to the clients: a client that does not read must not
            // hold the shutdown, so every socket is closed hard after a bounded wait whatever happens
            try {
                engine.schedule(() -> now.forEach(c -> c.connection.closeHard()),
                        TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                now.forEach(c -> c.connection.closeHard());
            }
            for (Conn c : now) {
                Session s = c.session;
                if (s != null) {
                    s.stopping();
                    s.abortRemaining("Worker shut down before the request finished");
                    s.flush();
                }
                c.connection.closeHard();
            }
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
            while (open.get() > 0 && System.nanoTime() - end < 0) {
                TimeUnit.MILLISECONDS.sleep(10); // bounded wait for the readers to see their sockets closed
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            engine.shutdownNow();
            terminated.countDown();
            LOG.log(Level.INFO, "molt-worker stopped");
        }
    }

    /** Waits until {@link #shutdown()} has finished; returns whether it did within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) {
        try {
            return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /** {@link #shutdown()}. */
    @Override
    public void close() {
        shutdown();
    }

    private static void join(Thread t, long millis) throws InterruptedException {
        t.join(millis);
    }

    /** One accepted connection and, after its handshake, its session. */
    private static final class Conn {
        final int id;
        final Connection connection;
        volatile Session session;

        Conn(int id, Connection connection) {
            this.id = id;
            this.connection = connection;
        }
    }
}
