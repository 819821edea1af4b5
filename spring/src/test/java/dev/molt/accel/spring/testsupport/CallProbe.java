package dev.molt.accel.spring.testsupport;

import dev.molt.accel.client.MoltClientListener;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A listener bean that records cancels and call outcomes with their times, for assertions. */
public class CallProbe extends MoltClientListener {

    /** One ended or cancelled call. */
    public record Event(String entry, String outcome, long nanoTime) {
    }

    private final Queue<Event> completed = new ConcurrentLinkedQueue<>();
    private final Queue<Event> cancelled = new ConcurrentLinkedQueue<>();
    private final AtomicLong replaced = new AtomicLong();
    private final Map<String, AtomicLong> cancelsByEntry = new ConcurrentHashMap<>();

    @Override
    public void callCompleted(String entry, String outcome, long durationNanos) {
        completed.add(new Event(entry, outcome, System.nanoTime()));
    }

    @Override
    public void callCancelled(String entry) {
        cancelled.add(new Event(entry, "cancelled", System.nanoTime()));
        cancelsByEntry.computeIfAbsent(entry, e -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void workerReplaced(long pid, String reason) {
        replaced.incrementAndGet();
    }

    public long cancels(String entry) {
        AtomicLong n = cancelsByEntry.get(entry);
        return n == null ? 0 : n.get();
    }

    /** The time of the first cancel of {@code entry} at or after {@code sinceNanos}, or -1. */
    public long cancelledAt(String entry, long sinceNanos) {
        return cancelled.stream().filter(e -> e.entry().equals(entry) && e.nanoTime() - sinceNanos >= 0)
                .mapToLong(Event::nanoTime).min().orElse(-1);
    }

    /** The first completion of {@code entry} at or after {@code sinceNanos}, or {@code null}. */
    public Event completedSince(String entry, long sinceNanos) {
        return completed.stream().filter(e -> e.entry().equals(entry) && e.nanoTime() - sinceNanos >= 0)
                .findFirst().orElse(null);
    }

    public long replaced() {
        return replaced.get();
    }
}
