package dev.molt.accel.client.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections to a set of worker endpoints, for a pool with one slot per target and connection:
 * a target is a Unix socket, an address literal, or one of the addresses a host name resolves to
 * (all of them: a Kubernetes headless Service names one address per worker pod). Each
 * {@link #open()} goes to the target with the fewest connections open or opening, so the pool's
 * slots spread evenly and a slot whose connection dropped reconnects to the target it lost (the
 * slot's own backoff paces the attempts while that target refuses). Host names are resolved when
 * the transport is made, again at an {@code open()} once {@code refreshNanos} have passed, and at
 * once after a failed connect. Nothing here runs on its own thread. Thread-safe.
 */
public final class EndpointsTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(EndpointsTransport.class);

    /** Resolves a host name to all its addresses. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<SocketTransport> endpoints;
    private final int perTarget;
    private final long refreshNanos;
    private final LongSupplier ticker;
    private final Resolver resolver;
    /** Guarded by this. */
    private List<Target> targets;
    private long resolvedAt;
    private boolean refreshSoon;
    private int roundRobin;

    private static final class Target {
        final SocketTransport transport;
        final InetAddress address;
        int open;
        int failures;

        Target(SocketTransport transport, InetAddress address) {
            this.transport = transport;
            this.address = address;
        }

        String key() {
            return transport.endpoint() + (address == null ? "" : "/" + address.getHostAddress());
        }
    }

    public EndpointsTransport(List<Endpoint> endpoints, SocketSettings settings, int connectionsPerTarget,
            long refreshNanos, LongSupplier ticker, Resolver resolver) {
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

    /** The targets now, as {@code endpoint} or {@code endpoint/address}, for logs and tests. */
    public synchronized List<String> targets() {
        List<String> out = new ArrayList<>();
        for (Target t : targets) {
            out.add(t.key());
        }
        return out;
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
            t.open++;
        }
        Target chosen = t;
        try {
            Connection c = chosen.transport.open(chosen.address, () -> released(chosen));
            synchronized (this) {
                if (chosen.failures > 0) {
                    log.info("Endpoint {} connects again after {} failed attempt(s)",
                            chosen.transport.describe(chosen.address), chosen.failures);
                }
                chosen.failures = 0;
            }
            log.debug("Opened {}", c);
            return c;
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                chosen.open--;
                chosen.failures++;
                refreshSoon = chosen.address != null;
            }
            throw e;
        }
    }

    private synchronized void released(Target t) {
        t.open--;
    }

    /** Fewest connections first; among equals, the target failing least, then round-robin. */
    private Target choose() {
        int n = targets.size();
        int start = Math.floorMod(roundRobin++, n);
        Target best = null;
        for (int i = 0; i < n; i++) {
            Target c = targets.get((start + i) % n);
            if (best == null || c.open < best.open || (c.open == best.open && c.failures < best.failures)) {
                best = c;
            }
        }
        return best;
    }

    /** The targets of every endpoint; a target already known keeps its counts; a name that fails keeps its old addresses. */
    private List<Target> resolveAll(List<Target> old) {
        Map<String, Target> known = new LinkedHashMap<>();
        for (Target t : old) {
            known.put(t.key(), t);
        }
        List<Target> out = new ArrayList<>();
        for (SocketTransport e : endpoints) {
            Endpoint ep = e.endpoint();
            if (ep.scheme() == Endpoint.Scheme.UNIX) {
                out.add(known.getOrDefault(ep.toString(), new Target(e, null)));
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
        if (!old.isEmpty() && !sameKeys(old, out)) {
            log.info("Endpoints now resolve to {}", keys(out));
        }
        return List.copyOf(out);
    }

    private static boolean sameKeys(List<Target> a, List<Target> b) {
        return keys(a).equals(keys(b));
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
