package dev.molt.accel.client.internal;

import dev.molt.accel.client.EndpointState;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to a set of worker endpoints, for a pool with one slot per target and connection:
 * a target is a Unix socket, an address literal, or one of the addresses a host name resolves to
 * (all of them, up to {@link #MAX_TARGETS}: a Kubernetes headless Service names one address per
 * worker pod). Each {@link #open()} goes to the target with the fewest connections open or
 * opening, so the pool's slots spread evenly and a slot whose connection dropped reconnects to the
 * target it lost.
 *
 * <p>Health ejection: a target whose connect fails, or whose connection ends before its worker
 * answered the readiness ping, is ejected for a backoff ({@code ejectBase} doubling up to
 * {@code ejectMax}); while ejected, an open that would go to it fails at once without dialling, so
 * one dead pod costs one connect attempt per backoff and not one per slot. It is taken back when a
 * connection to it answers its readiness {@code __ping__}.
 *
 * <p>Host names are resolved when the transport is made, by {@link #refresh()} (the pool's upkeep
 * calls it every {@code refreshNanos}), at an {@code open()} once {@code refreshNanos} have passed,
 * and at once after a failed connect. A target that no longer resolves is marked gone: no new
 * connection goes to it, and the upkeep drains those it has. Nothing here runs on its own thread.
 * Thread-safe.
 */
public final class EndpointsTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(EndpointsTransport.class);
    /** The most targets a pool follows; addresses beyond are ignored (with a warning). */
    public static final int MAX_TARGETS = 64;

    /** Resolves a host name to all its addresses. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<SocketTransport> endpoints;
    private final int perTarget;
    private final long refreshNanos;
    private final long ejectBaseNanos;
    private final long ejectMaxNanos;
    private final LongSupplier ticker;
    private final Resolver resolver;
    /** Guarded by this. */
    private List<Target> targets;
    private long resolvedAt;
    private boolean refreshSoon;
    private int roundRobin;
    private boolean truncatedLogged;

    /** One address of an endpoint; its counters are guarded by the transport. */
    private final class Target implements SocketConnection.Owner {
        final SocketTransport transport;
        final InetAddress address;
        /** Connections open or opening. */
        int open;
        /** Connections whose worker answered its readiness ping and that are still open. */
        int ready;
        int failures;
        long ejectedUntil;
        String reason;
        String lastError;
        /** No longer among the addresses of its name. */
        volatile boolean gone;

        Target(SocketTransport transport, InetAddress address) {
            this.transport = transport;
            this.address = address;
        }

        String key() {
            return transport.endpoint() + (address == null ? "" : "/" + address.getHostAddress());
        }

        String shown() {
            return transport.describe(address);
        }

        boolean ejected(long now) {
            return failures > 0 && now - ejectedUntil < 0;
        }

        @Override
        public void ready() {
            synchronized (EndpointsTransport.this) {
                ready++;
                if (failures > 0) {
                    log.info("Endpoint {} is back after {} failed attempt(s)", shown(), failures);
                }
                failures = 0;
                reason = null;
                lastError = null;
            }
        }

        @Override
        public void released(boolean wasReady) {
            synchronized (EndpointsTransport.this) {
                open--;
                if (wasReady) {
                    ready--;
                } else {
                    // connected, but what answered was no ready worker (or it died before answering)
                    failed(this, "not_ready", "the connection ended before a worker answered __ping__");
                }
            }
        }
    }

    public EndpointsTransport(List<Endpoint> endpoints, SocketSettings settings, int connectionsPerTarget,
            long refreshNanos, LongSupplier ticker, Resolver resolver) {
        this(endpoints, settings, connectionsPerTarget, refreshNanos, TimeUnit.MILLISECONDS.toNanos(100),
                TimeUnit.SECONDS.toNanos(5), ticker, resolver);
    }

    /**
     * @param ejectBaseNanos how long a target is ejected after its first failure; doubling with each
     * @param ejectMaxNanos the longest ejection
     */
    public EndpointsTransport(List<Endpoint> endpoints, SocketSettings settings, int connectionsPerTarget,
            long refreshNanos, long ejectBaseNanos, long ejectMaxNanos, LongSupplier ticker, Resolver resolver) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoints");
        }
        List<SocketTransport> list = new ArrayList<>();
        for (Endpoint e : endpoints) {
            list.add(new SocketTransport(e, settings));
        }
        this.endpoints = List.copyOf(list);
        this.perTarget = connectionsPerTarget;
        this.refreshNanos = refreshNanos;
        this.ejectBaseNanos = ejectBaseNanos;
        this.ejectMaxNanos = Math.max(ejectBaseNanos, ejectMaxNanos);
        this.ticker = ticker;
        this.resolver = resolver;
        synchronized (this) {
            this.targets = resolveAll(List.of());
            this.resolvedAt = ticker.getAsLong();
        }
    }

    /** The pool's size: the targets found now times the connections per target. */
    public synchronized int slotCount() {
        return Math.max(1, targets.size()) * perTarget;
    }

    /** The most slots the pool may come to need: {@link #MAX_TARGETS} (or the endpoints listed) times the connections per target. */
    public int maxSlotCount() {
        return Math.max(MAX_TARGETS, endpoints.size()) * perTarget;
    }

    /** How often names are resolved again. */
    long refreshNanos() {
        return refreshNanos;
    }

    /** The targets now, as {@code endpoint} or {@code endpoint/address}, for logs and tests. */
    public synchronized List<String> targets() {
        List<String> out = new ArrayList<>();
        for (Target t : targets) {
            out.add(t.key());
        }
        return out;
    }

    /** Each target's state now. */
    public synchronized List<EndpointState> states() {
        long now = ticker.getAsLong();
        List<EndpointState> out = new ArrayList<>();
        for (Target t : targets) {
            EndpointState.State s = t.ready > 0 ? EndpointState.State.UP
                    : t.failures > 0 ? EndpointState.State.DOWN : EndpointState.State.CONNECTING;
            out.add(new EndpointState(t.transport.endpoint().toString(),
                    t.address == null ? null : t.address.getHostAddress(), s, t.ready, t.failures,
                    s == EndpointState.State.UP ? null : t.reason));
        }
        return out;
    }

    /** Why each target that is not up is down, one line per target, for a start failure. */
    synchronized String whyDown() {
        StringJoiner j = new StringJoiner("; ");
        for (Target t : targets) {
            if (t.ready == 0) {
                j.add(t.shown() + ": " + (t.lastError != null ? t.lastError : "no connection yet"));
            }
        }
        return j.toString();
    }

    /** Whether {@code c} goes to a target its name no longer resolves to. */
    boolean isGone(Connection c) {
        return c instanceof SocketConnection sc && sc.owner() instanceof Target t && t.gone;
    }

    /** Resolves every name now (blocking: run it on the lifecycle executor); true when the targets changed. */
    public boolean refresh() {
        List<Target> before;
        synchronized (this) {
            before = targets;
        }
        List<Target> after = resolveAll(before);
        synchronized (this) {
            if (targets != before) {
                return false; // an open() refreshed meanwhile; the next refresh compares again
            }
            targets = after;
            resolvedAt = ticker.getAsLong();
            refreshSoon = false;
        }
        return !keys(before).equals(keys(after));
    }

    @Override
    public Connection open() throws IOException {
        Target t;
        synchronized (this) {
            long now = ticker.getAsLong();
            if (refreshSoon || now - resolvedAt >= refreshNanos) {
                refreshSoon = false;
                resolvedAt = now;
                targets = resolveAll(targets);
            }
            t = choose();
            if (t.ejected(now)) {
                throw new IOException("endpoint " + t.shown() + " is ejected after " + t.failures
                        + " failed attempt(s), tried again in " + TimeUnit.NANOSECONDS.toMillis(t.ejectedUntil - now)
                        + " ms (last: " + t.lastError + ")");
            }
            t.open++;
        }
        Target chosen = t;
        try {
            Connection c = chosen.transport.open(chosen.address, chosen);
            log.debug("Opened {}", c);
            return c;
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                chosen.open--;
                failed(chosen, reasonOf(e), e.getMessage());
                refreshSoon = chosen.address != null;
            }
            throw e;
        }
    }

    /** Guarded by this: counts a failure of {@code t} and ejects it for its backoff. */
    private void failed(Target t, String reason, String message) {
        t.failures++;
        t.reason = reason;
        t.lastError = message;
        long backoff = Math.min(ejectBaseNanos << Math.min(t.failures - 1, 20), ejectMaxNanos);
        t.ejectedUntil = ticker.getAsLong() + backoff;
        // as a slot's failed starts: WARN at failures 1, 2, 4, 8, ... in a row and DEBUG in between,
        // so an endpoint down for minutes is still seen now and then without a line per retry
        if (WorkerSlot.warnsAt(t.failures)) {
            log.warn("Endpoint {} ejected ({}, {} failure(s) in a row): {}; tried again with backoff", t.shown(), reason,
                    t.failures, message);
        } else {
            log.debug("Endpoint {} failed again ({}, {} in a row): {}", t.shown(), reason, t.failures, message);
        }
    }

    private static String reasonOf(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return "refused";
            }
            if (c instanceof SocketTimeoutException) {
                return "timeout";
            }
            if (c instanceof UnknownHostException) {
                return "unresolved";
            }
            if (c instanceof SSLException) {
                return "tls";
            }
            if (c.getCause() == c) {
                break;
            }
        }
        String m = e.getMessage();
        if (m != null && m.startsWith("cannot resolve")) {
            return "unresolved";
        }
        return "io";
    }

    /**
     * Fewest connections first; among equals, one not ejected, then the one failing least, then
     * round-robin. A slot whose target is ejected is not moved to another target (its open fails
     * and the slot backs off): like a gRPC subchannel, each connection belongs to one address, and
     * the pool's capacity is that of the targets that answer.
     */
    private Target choose() {
        int n = targets.size();
        int start = Math.floorMod(roundRobin++, n);
        long now = ticker.getAsLong();
        Target best = null;
        for (int i = 0; i < n; i++) {
            Target c = targets.get((start + i) % n);
            if (best == null || better(c, best, now)) {
                best = c;
            }
        }
        return best;
    }

    private static boolean better(Target c, Target best, long now) {
        if (c.open != best.open) {
            return c.open < best.open;
        }
        boolean ce = c.ejected(now);
        if (ce != best.ejected(now)) {
            return !ce;
        }
        return c.failures < best.failures;
    }

    /**
     * The targets of every endpoint; a target already known keeps its counts; a name that fails
     * keeps its old addresses; targets no longer found are marked gone.
     */
    private List<Target> resolveAll(List<Target> old) {
        Map<String, Target> known = new LinkedHashMap<>();
        for (Target t : old) {
            known.put(t.key(), t);
        }
        List<Target> out = new ArrayList<>();
        for (SocketTransport e : endpoints) {
            Endpoint ep = e.endpoint();
            if (ep.scheme() == Endpoint.Scheme.UNIX || ep.hostIsLiteral()) {
                Target fresh = new Target(e, null);
                out.add(known.getOrDefault(fresh.key(), fresh));
                continue;
            }
            InetAddress[] addresses;
            try {
                addresses = resolver.resolve(ep.host());
            } catch (UnknownHostException | RuntimeException ex) {
                List<Target> previous = new ArrayList<>();
                for (Target t : old) {
                    if (t.transport == e) {
                        previous.add(t);
                    }
                }
                log.warn("Cannot resolve {} ({}); keeping {} known address(es)", ep.host(), ex.getMessage(), previous.size());
                // an unresolved endpoint stays one target: its connects fail (and resolve again) until the name resolves
                out.addAll(previous.isEmpty() ? List.of(new Target(e, null)) : previous);
                continue;
            }
            for (InetAddress a : addresses) {
                Target fresh = new Target(e, a);
                Target existing = known.get(fresh.key());
                out.add(existing != null ? existing : fresh);
            }
        }
        if (out.size() > MAX_TARGETS) {
            if (!truncatedLogged) {
                truncatedLogged = true;
                log.warn("The endpoints resolve to {} addresses; the pool uses the first {}", out.size(), MAX_TARGETS);
            }
            out = new ArrayList<>(out.subList(0, MAX_TARGETS));
        }
        List<String> now = keys(out);
        for (Target t : old) {
            if (!now.contains(t.key())) {
                t.gone = true;
            }
        }
        if (!old.isEmpty() && !keys(old).equals(now)) {
            log.info("Endpoints now resolve to {}", now);
        }
        return List.copyOf(out);
    }

    private static List<String> keys(List<Target> ts) {
        List<String> out = new ArrayList<>();
        for (Target t : ts) {
            out.add(t.key());
        }
        return out;
    }

    @Override
    public String describe() {
        StringJoiner j = new StringJoiner(", ", "endpoints ", "");
        for (SocketTransport e : endpoints) {
            j.add(e.describe());
        }
        return j.toString();
    }

    @Override
    public String source() {
        return describe();
    }
}
