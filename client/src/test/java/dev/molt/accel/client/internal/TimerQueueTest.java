package dev.molt.accel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The timed-event queue runs what is due, in order, across the wrap of the nanosecond clock. */
class TimerQueueTest {

    @Test
    void runsDueTasksInOrderAndReportsTheNextDue() {
        TimerQueue q = new TimerQueue();
        List<String> ran = new ArrayList<>();
        long base = Long.MAX_VALUE - 5; // the ticker wraps between the entries
        q.add(base + 20, () -> ran.add("c"));
        q.add(base + 10, () -> ran.add("b"));
        q.add(base, () -> ran.add("a"));
        q.add(base + 10, () -> ran.add("b2"));
        assertThat(q.runDue(base - 1)).isEqualTo(base);
        assertThat(ran).isEmpty();
        assertThat(q.runDue(base + 10)).isEqualTo(base + 20);
        assertThat(ran).containsExactly("a", "b", "b2");
        assertThat(q.runDue(base + 25)).isEqualTo(TimerQueue.NONE);
        assertThat(ran).containsExactly("a", "b", "b2", "c");
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() {
        TimerQueue q = new TimerQueue();
        List<String> ran = new ArrayList<>();
        q.add(1, () -> {
            throw new IllegalStateException("boom");
        });
        q.add(2, () -> ran.add("after"));
        q.runDue(5);
        assertThat(ran).containsExactly("after");
        assertThat(q.size()).isZero();
    }
}
