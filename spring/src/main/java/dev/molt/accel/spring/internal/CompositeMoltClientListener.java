package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltClientListener;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards to several listeners; one that throws is logged and does not stop the others. */
public final class CompositeMoltClientListener extends MoltClientListener {

    private static final Logger log = LoggerFactory.getLogger(CompositeMoltClientListener.class);

    private final List<MoltClientListener> listeners;

    private CompositeMoltClientListener(List<MoltClientListener> listeners) {
        this.listeners = listeners;
    }

    /** A listener forwarding to {@code listeners}: {@link #NONE} for none, the listener itself for one. */
    public static MoltClientListener of(List<MoltClientListener> listeners) {
        return switch (listeners.size()) {
            case 0 -> NONE;
            case 1 -> listeners.get(0);
            default -> new CompositeMoltClientListener(List.copyOf(listeners));
        };
    }

    @Override
    public void workerStarted(long pid, Duration startTime) {
        for (MoltClientListener l : listeners) {
            try {
                l.workerStarted(pid, startTime);
            } catch (RuntimeException e) {
                log.warn("Listener {} failed in workerStarted", l, e);
            }
        }
    }

    @Override
    public void workerReplaced(long pid, String reason) {
        for (MoltClientListener l : listeners) {
            try {
                l.workerReplaced(pid, reason);
            } catch (RuntimeException e) {
                log.warn("Listener {} failed in workerReplaced", l, e);
            }
        }
    }

    @Override
    public void workerStartFailed(Throwable failure) {
        for (MoltClientListener l : listeners) {
            try {
                l.workerStartFailed(failure);
            } catch (RuntimeException e) {
                log.warn("Listener {} failed in workerStartFailed", l, e);
            }
        }
    }

    @Override
    public void callCompleted(String entry, String outcome, long durationNanos) {
        for (MoltClientListener l : listeners) {
            try {
                l.callCompleted(entry, outcome, durationNanos);
            } catch (RuntimeException e) {
                log.warn("Listener {} failed in callCompleted", l, e);
            }
        }
    }

    @Override
    public void callCancelled(String entry) {
        for (MoltClientListener l : listeners) {
            try {
                l.callCancelled(entry);
            } catch (RuntimeException e) {
                log.warn("Listener {} failed in callCancelled", l, e);
            }
        }
    }

    @Override
    public void periodic() {
        for (MoltClientListener l : listeners) {
            try {
                l.periodic();
            } catch (RuntimeException e) {
                log.warn("Listener {} failed in periodic", l, e);
            }
        }
    }
}
