package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.EndpointState;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.client.MoltWorkerUnavailableException;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pool of remote endpoints needs beyond a pool of child processes: a start that succeeds
 * with the endpoints that answer, positions that keep reconnecting in the background (each with
 * its slot's backoff, and its target's ejection in {@link EndpointsTransport}), a size that follows
 * the addresses a name resolves to, the connections of an address that is gone drained and closed,
 * and a ping that succeeds while one endpoint answers.
 *
 * <p>Its tick runs on the timer every {@link #TICK_NANOS} and only reads state; reconnects, name
 * resolution and resizing run on the lifecycle executor. Thread-safe.
 */
final class EndpointsUpkeep {

    private static final Logger log = LoggerFactory.getLogger(EndpointsUpkeep.class);
    /** How often empty positions are looked at (and, every refresh interval, names resolved again). */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final ClientCore core;
    private final EndpointsTransport transport;
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    /** Ticker time of the last refresh; read and written by the lifecycle task only. */
    private volatile long refreshedAt;

    EndpointsUpkeep(ClientCore core, EndpointsTransport transport) {
        this.core = core;
        this.transport = transport;
        this.refreshedAt = core.now();
    }

    List<EndpointState> states() {
        return transport.states();
    }

    /** Arms the periodic tick once (the first start or call). */
    void startTicking() {
        if (ticking.compareAndSet(false, true)) {
            core.sweeper.addTimer(core.now() + TICK_NANOS, this::tick);
        }
    }

    /**
     * Starts every position and waits until each is ready or has failed; succeeds when at least one
     * is ready (the others keep trying in the background).
     *
     * @throws MoltWorkerUnavailableException naming each endpoint and why, when none answered
     */
    void start() {
        startTicking();
        List<CompletableFuture<WorkerProcess>> starting = new ArrayList<>();
        WorkerSupervisor sup = core.supervisor;
        for (int i = 0; i < sup.activeSlots(); i++) {
            starting.add(sup.slots[i].ensureStarted());
        }
        int ready = 0;
        Throwable last = null;
        for (CompletableFuture<WorkerProcess> f : starting) {
            try {
                f.get();
                ready++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.molt.accel.client.MoltCancelledException("Interrupted while starting", null, 0, e);
            } catch (ExecutionException e) {
                last = e.getCause();
            }
        }
        if (ready == 0) {
            throw new MoltWorkerUnavailableException("Client '" + core.name + "': no worker endpoint answered ("
                    + transport.whyDown() + ")", null, 0, last);
        }
        if (ready < starting.size()) {
            log.warn("Client '{}' started with {} of {} connections; retrying the others in the background: {}",
                    core.name, ready, starting.size(), transport.whyDown());
        }
    }

    /**
     * Pings every position that has a ready worker, or starts one when none has; succeeds when at
     * least one answers in time.
     */
    void ping(Duration timeout) {
        startTicking();
        CallOptions options = CallOptions.builder().codec(Codec.RAW).timeout(timeout).build();
        WorkerSupervisor sup = core.supervisor;
        List<CompletableFuture<MoltResult>> pings = new ArrayList<>();
        for (int i = 0; i < sup.activeSlots(); i++) {
            WorkerProcess w = sup.slots[i].current;
            if (w != null && w.isAccepting()) {
                pings.add(core.pinnedPing(w, options));
            }
        }
        if (pings.isEmpty()) {
            for (int i = 0; i < sup.activeSlots(); i++) {
                pings.add(sup.slots[i].ensureStarted().thenCompose(w -> core.pinnedPing(w, options)));
            }
        }
        RuntimeException first = null;
        for (CompletableFuture<MoltResult> f : pings) {
            try {
                core.join(f, Entries.PING);
                return;
            } catch (MoltAccelException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first != null ? first : new MoltWorkerUnavailableException("No worker endpoint is ready", Entries.PING, 0, null);
    }

    /** On the timer: hands the upkeep to the lifecycle executor when there is something to do. */
    private void tick() {
        if (core.closed) {
            return;
        }
        long now = core.now();
        boolean refreshDue = now - refreshedAt >= transport.refreshNanos();
        if ((refreshDue || hasEmptyPosition()) && refreshing.compareAndSet(false, true)) {
            core.onLifecycle(() -> {
                try {
                    upkeep(refreshDue);
                } finally {
                    refreshing.set(false);
                }
            });
        }
        core.sweeper.addTimer(now + TICK_NANOS, this::tick);
    }

    private boolean hasEmptyPosition() {
        WorkerSupervisor sup = core.supervisor;
        for (int i = 0; i < sup.activeSlots(); i++) {
            WorkerSlot s = sup.slots[i];
            if (s.isEmpty() && !s.isStarting() && !s.isBackingOff()) {
                return true;
            }
        }
        return false;
    }

    /** On the lifecycle executor: resolves names when due, follows them, and reconnects empty positions. */
    void upkeep(boolean refresh) {
        if (core.closed) {
            return;
        }
        if (refresh) {
            refreshedAt = core.now();
            transport.refresh();
            follow();
        }
        WorkerSupervisor sup = core.supervisor;
        for (int i = 0; i < sup.activeSlots(); i++) {
            WorkerSlot s = sup.slots[i];
            if (s.isEmpty() && !s.isStarting() && !s.isBackingOff()) {
                s.ensureStarted();
            }
        }
    }

    /**
     * Makes the pool's positions match the targets: connections to targets that are gone stop
     * taking calls, finish those in flight and close; the pool then has as many positions as the
     * targets need, a healthy connection above the new size moving down into a position left empty.
     */
    void follow() {
        WorkerSupervisor sup = core.supervisor;
        int want = Math.min(sup.slots.length, transport.slotCount());
        int had = sup.activeSlots();
        for (int i = 0; i < sup.slots.length; i++) {
            WorkerSlot s = sup.slots[i];
            WorkerProcess w = s.current;
            if (w != null && transport.isGone(w.connection) && s.clear(w)) {
                log.info("Client '{}': worker {} is no longer among the addresses of its endpoint; draining it",
                        core.name, w.label);
                core.maintainer.retireGracefully(w, "its address no longer resolves");
            }
        }
        if (want == had) {
            return;
        }
        sup.resizeTo(want);
        core.poolSize = want;
        if (want < had) {
            for (int j = want; j < had; j++) {
                WorkerSlot top = sup.slots[j];
                WorkerProcess w = top.current;
                if (w == null || !top.clear(w)) {
                    continue;
                }
                WorkerSlot empty = null;
                for (int i = 0; i < want && empty == null; i++) {
                    if (sup.slots[i].isEmpty() && !sup.slots[i].isStarting()) {
                        empty = sup.slots[i];
                    }
                }
                if (w.isAccepting() && empty != null && empty.adopt(w)) {
                    continue;
                }
                core.maintainer.retireGracefully(w, "the pool shrank with its endpoint's addresses");
            }
        }
        log.info("Client '{}': {} connections for {} endpoint address(es) (was {})", core.name, want,
                transport.targets().size(), had);
    }
}
