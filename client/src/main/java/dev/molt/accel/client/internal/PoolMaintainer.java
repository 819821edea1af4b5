package dev.molt.accel.client.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.protocol.Codec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's upkeep: spare workers, rolling recycles (one worker of a pool at a time, the
 * replacement ready before the old worker stops taking calls), health probes of workers that
 * answered nothing for an interval, and the elastic size. The periodic tick runs on the timer and
 * only reads state and hands work off; starts, pings, {@code /proc} reads and closes run on the
 * lifecycle executor.
 */
final class PoolMaintainer {

    private static final Logger log = LoggerFactory.getLogger(PoolMaintainer.class);
    private static final AtomicBoolean RSS_UNAVAILABLE_LOGGED = new AtomicBoolean();

    private final ClientCore core;
    private final PoolPolicy policy;
    final ConcurrentLinkedDeque<WorkerProcess> spares = new ConcurrentLinkedDeque<>();
    private final AtomicInteger sparesStarting = new AtomicInteger();
    /**
     * Starts of positions in progress ({@link WorkerSlot#ensureStarted}). One whose position a spare
     * filled meanwhile becomes a spare when it is ready, so it counts as one on its way.
     */
    final AtomicInteger positionStarts = new AtomicInteger();
    private final AtomicInteger spareFailures = new AtomicInteger();
    private final AtomicBoolean recycling = new AtomicBoolean();
    final AtomicLong recycles = new AtomicLong();
    final AtomicLong probeReplacements = new AtomicLong();
    private final long tickNanos;
    /** The resident set sizes are read at most this often (the tick can be much shorter). */
    private static final long RSS_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Owned by the timer thread. */
    private long lastRssCheckNanos = Long.MIN_VALUE / 2;
    private volatile boolean rssReadable = true;
    /** The listener's {@code periodic()} runs at most this often. */
    private static final long LISTENER_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Owned by the timer thread. */
    private long lastListenerPeriodNanos = Long.MIN_VALUE / 2;

    PoolMaintainer(ClientCore core, PoolPolicy policy) {
        this.core = core;
        this.policy = policy;
        // A tenth of the health interval: a worker that falls silent is pinged at most a tick after a
        // whole interval without an answer (a tick of the whole interval could wait almost two).
        long tick = policy.healthInterval().isZero() ? TimeUnit.SECONDS.toNanos(1)
                : Math.max(TimeUnit.MILLISECONDS.toNanos(10), policy.healthInterval().toNanos() / 10);
        if (policy.maxPoolSize() > core.poolSize) {
            tick = Math.min(tick, Math.max(TimeUnit.MILLISECONDS.toNanos(10), policy.idleTimeout().toNanos() / 2));
        }
        this.tickNanos = tick;
    }

    /** Arms the periodic tick once the first worker is up (the timer thread exists from then on). */
    void startTicking() {
        core.sweeper.addTimer(core.now() + tickNanos, this::tick);
    }

    // ---------------------------------------------------------------- spares

    /**
     * Starts spares in the background until there are {@code spareWorkers} of them, ready or on
     * their way. A kill while the spare is still starting must not cost three starts (the
     * position's own, the spare's, and a new spare when the first spare fills the position): on a
     * busy machine every extra JVM start slows the others down, and the pool falls behind.
     *
     * <p>One spare starts at a time, the next when it is ready: when every worker of a pool is lost
     * at once and the spares take all positions, the new spares do not share the CPUs while they
     * start, so the first is ready in about half the time (two JVMs starting together on 2 cores
     * took 2-3 s each, one alone about 1 s), and the next loss finds a spare sooner.
     */
    void topUpSpares() {
        while (!core.closed) {
            int starting = sparesStarting.get();
            if (starting > 0 || sparesOnTheirWay() >= policy.spareWorkers()) {
                return;
            }
            if (!sparesStarting.compareAndSet(starting, starting + 1)) {
                continue;
            }
            core.onLifecycle(() -> core.supervisor.startWorker().whenComplete((w, failure) -> {
                sparesStarting.decrementAndGet();
                if (failure != null) {
                    int n = spareFailures.incrementAndGet();
                    long backoff = Math.min(core.restartBackoffNanos << Math.min(n - 1, 20), core.restartBackoffMaxNanos);
                    core.sweeper.addTimer(core.now() + backoff, () -> core.onLifecycle(this::topUpSpares));
                    return;
                }
                spareFailures.set(0);
                offerSpare(w);
                topUpSpares(); // the next one, if more are wanted
            }));
        }
    }

    /**
     * Ready spares and starts of positions beyond the positions still empty (those become spares
     * when ready); called with no spare of its own starting.
     */
    private int sparesOnTheirWay() {
        int empty = 0;
        WorkerSlot[] slots = core.supervisor.slots;
        for (int i = 0; i < core.supervisor.activeSlots(); i++) {
            if (slots[i].isEmpty()) {
                empty++;
            }
        }
        return spares.size() + Math.max(0, positionStarts.get() - empty);
    }

    /** Keeps a ready worker as a spare, or closes it when there are enough. */
    void offerSpare(WorkerProcess w) {
        if (!core.closed && w.isAccepting()) {
            // a position that lost its worker takes whichever ready worker comes first
            WorkerSlot[] slots = core.supervisor.slots;
            for (int i = 0; i < core.supervisor.activeSlots(); i++) {
                if (slots[i].isEmpty() && slots[i].adopt(w)) {
                    log.info("Worker {} takes the calls of position {}", w.pid, i);
                    topUpSpares();
                    return;
                }
            }
        }
        if (!core.closed && spares.size() < policy.spareWorkers() && w.isAccepting()) {
            spares.add(w);
            log.debug("Worker {} is a spare", w.pid);
        } else {
            retireGracefully(w, "not needed");
        }
    }

    /** A ready spare, or {@code null}. */
    WorkerProcess takeSpare() {
        WorkerProcess w;
        while ((w = spares.poll()) != null) {
            if (w.isAccepting()) {
                return w;
            }
        }
        return null;
    }

    /** A spare died or was closed: a new one starts in the background. */
    void onGone(WorkerProcess w) {
        if (spares.remove(w) && !core.closed) {
            topUpSpares();
        }
    }

    // ---------------------------------------------------------------- recycling

    /** Called on the hot path once, when a worker reaches its call limit: hands the recycle off. */
    void callLimitReached(WorkerProcess w) {
        core.onLifecycle(() -> recycle(w, "served " + w.recycleAtId + " calls"));
    }

    /**
     * On the lifecycle executor: the rolling recycle of {@code w}. Its replacement (a spare, or a
     * new worker) is ready before {@code w} stops taking calls; {@code w} then finishes its calls in
     * flight and closes. One recycle per pool at a time; a worker due meanwhile waits for its turn.
     */
    void recycle(WorkerProcess w, String why) {
        if (core.closed || !w.isAccepting()) {
            return;
        }
        if (!recycling.compareAndSet(false, true)) {
            w.recycleWanted = true;
            return;
        }
        w.recycleWanted = false;
        WorkerSlot slot = core.supervisor.slotOf(w);
        if (slot == null) {
            // a spare: it has served nothing, or little; it is simply replaced
            if (spares.remove(w)) {
                retireGracefully(w, why);
                topUpSpares();
            }
            recycleDone();
            return;
        }
        WorkerProcess spare = takeSpare();
        CompletableFuture<WorkerProcess> next = spare != null ? CompletableFuture.completedFuture(spare)
                : core.supervisor.startWorker();
        next.whenComplete((r, failure) -> {
            if (failure != null) {
                w.recycleWanted = true; // tried again at the next tick; w keeps serving meanwhile
                log.warn("Worker {} not recycled ({}): its replacement did not start: {}", w.pid, why, failure.getMessage());
                recycleDone();
                return;
            }
            if (!slot.swap(w, r)) {
                offerSpare(r);
                recycleDone();
                return;
            }
            recycles.incrementAndGet();
            slot.recycles.incrementAndGet();
            log.info("Worker {} recycled ({}); worker {} took its place", w.pid, why, r.pid);
            retireGracefully(w, "recycled: " + why);
            if (spare != null) {
                topUpSpares();
            }
            recycleDone();
        });
    }

    private void recycleDone() {
        recycling.set(false);
        for (WorkerSlot s : core.supervisor.slots) {
            WorkerProcess w = s.current;
            if (w != null && w.recycleWanted && w.isAccepting()) {
                core.onLifecycle(() -> recycle(w, "a recycling limit was reached"));
                return;
            }
        }
    }

    /**
     * {@code w} takes no new calls (a call that reaches it unsent goes elsewhere), finishes those in
     * flight within their deadlines, then closes (stdin EOF first).
     */
    void retireGracefully(WorkerProcess w, String why) {
        w.gracefulRetire = true;
        if (!w.beginDraining()) {
            return;
        }
        long latest = core.now();
        for (Attempt a : w.pending.values()) {
            long d = a.call.deadlineNanos;
            if (d != 0 && d - latest > 0) {
                latest = d;
            }
        }
        core.sweeper.addTimer(latest + core.retireLimitNanos, () -> {
            if (w.markDead(why)) {
                core.supervisor.failPending(w, "worker " + w.pid + " was retired (" + why + ") and its calls did not end in time", false);
                core.onLifecycle(() -> core.supervisor.retire(w));
            }
        });
        core.supervisor.closeIfDrained(w);
    }

    // ---------------------------------------------------------------- the tick

    /** On the timer: reads state, hands probes, recycles and shrinks to the lifecycle executor. */
    void tick() {
        if (core.closed) {
            return;
        }
        long now = core.now();
        boolean probes = !policy.healthInterval().isZero();
        WorkerSlot[] slots = core.supervisor.slots;
        int active = core.supervisor.activeSlots();
        for (int i = 0; i < slots.length; i++) {
            WorkerProcess w = slots[i].current;
            if (w == null || !w.isAccepting()) {
                continue;
            }
            boolean silent = silentForAnInterval(w, now);
            long used = w.sent() - w.probesSent;
            if (used != w.seenCalls || w.inFlight() > 0) {
                w.seenCalls = used;
                w.idleSinceNanos = now;
            }
            if (probes && silent && w.startProbe()) {
                core.onLifecycle(() -> healthProbe(w));
            }
            if ((w.recycleAtNanos != Long.MAX_VALUE && now - w.recycleAtNanos >= 0) || w.recycleWanted) {
                core.onLifecycle(() -> recycle(w, "reached its age limit"));
            }
            if (i >= core.poolSize && i == active - 1 && w.inFlight() == 0
                    && now - w.idleSinceNanos >= policy.idleTimeout().toNanos()) {
                int index = i;
                core.onLifecycle(() -> core.supervisor.shrink(index, w));
            }
        }
        for (WorkerProcess w : spares) {
            if (silentForAnInterval(w, now) && probes && w.startProbe()) {
                core.onLifecycle(() -> healthProbe(w));
            }
        }
        if (policy.recycleMaxRssBytes() > 0 && rssReadable && now - lastRssCheckNanos >= RSS_CHECK_NANOS) {
            lastRssCheckNanos = now;
            core.onLifecycle(this::checkRss);
        }
        if (now - lastListenerPeriodNanos >= LISTENER_PERIOD_NANOS) {
            lastListenerPeriodNanos = now;
            core.onLifecycle(core.listener::periodic);
        }
        core.sweeper.addTimer(now + tickNanos, this::tick);
    }

    /**
     * On the timer: whether {@code w} has answered nothing for at least a health interval, counted
     * from the first tick that saw its last answer (so at most a tick late).
     */
    private boolean silentForAnInterval(WorkerProcess w, long now) {
        long answers = w.answers();
        if (answers != w.seenAnswers) {
            w.seenAnswers = answers;
            w.answersSeenNanos = now;
            return false;
        }
        return now - w.answersSeenNanos >= policy.healthInterval().toNanos();
    }

    /** On the lifecycle executor: a worker silent for an interval must answer {@code __ping__} within the timeout. */
    void healthProbe(WorkerProcess w) {
        CallOptions options = CallOptions.builder().codec(Codec.RAW).timeout(policy.healthTimeout()).build();
        w.probesSent++; // one probe at a time per worker
        Call ping = core.pinnedPing(w, options);
        ping.whenCompleteAsync((r, failure) -> {
            w.endProbe();
            if (failure != null && w.isAccepting()) {
                probeReplacements.incrementAndGet();
                String reason = "no answer for " + policy.healthInterval().toMillis() + " ms and none to __ping__ within "
                        + policy.healthTimeout().toMillis() + " ms";
                if (spares.remove(w)) {
                    log.warn("Replacing spare worker {}: {}", w.pid, reason);
                    w.markDead(reason);
                    w.kill();
                    core.supervisor.retire(w);
                    topUpSpares();
                } else {
                    core.supervisor.replace(w, reason);
                }
            }
        }, core.supervisor.lifecycleOrDirect());
    }

    /** On the lifecycle executor: recycles the first worker over the memory limit (read from /proc). */
    void checkRss() {
        for (WorkerSlot s : core.supervisor.slots) {
            WorkerProcess w = s.current;
            if (w == null || !w.isAccepting() || !w.connection.isProcess()) {
                continue;
            }
            long rss = rssBytes(w.pid);
            if (rss < 0) {
                rssReadable = false;
                if (RSS_UNAVAILABLE_LOGGED.compareAndSet(false, true)) {
                    log.info("recycleMaxRss is off: the resident set size of worker {} cannot be read from /proc", w.pid);
                }
                return;
            }
            if (rss > policy.recycleMaxRssBytes()) {
                recycle(w, "resident set " + (rss >> 20) + " MiB over the " + (policy.recycleMaxRssBytes() >> 20) + " MiB limit");
                return;
            }
        }
    }

    /** VmRSS of {@code pid} in bytes from {@code /proc/<pid>/status}, or -1 where it cannot be read. */
    static long rssBytes(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try {
            byte[] bytes = Files.readAllBytes(status); // a few hundred bytes, written by the kernel
            if (bytes.length > 64 * 1024) {
                return -1;
            }
            for (String line : new String(bytes, StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("VmRSS:")) {
                    String digits = line.substring(6).replace("kB", "").trim();
                    if (digits.isEmpty() || digits.length() > 18) {
                        return -1;
                    }
                    return Long.parseLong(digits) * 1024;
                }
            }
            return -1;
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
