package dev.molt.accel.client.internal;

import dev.molt.accel.client.MoltClientListener;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a user's {@link MoltClientListener} is called: every method forwards and
 * logs (never rethrows) what the listener throws, so that the engine calls it without a try/catch
 * at each site. Thread-safe when the listener is.
 */
public final class GuardedListener extends MoltClientListener {

    private static final Logger log = LoggerFactory.getLogger(GuardedListener.class);

    private final MoltClientListener delegate;

    private GuardedListener(MoltClientListener delegate) {
        this.delegate = delegate;
    }

    /** {@code listener} wrapped, unless it is already guarded. */
    public static GuardedListener of(MoltClientListener listener) {
        return listener instanceof GuardedListener g ? g : new GuardedListener(listener);
    }

    @Override
    public void workerStarted(long pid, Duration startTime) {
        try {
            delegate.workerStarted(pid, startTime);
        } catch (RuntimeException e) {
            failed("workerStarted", e);
        }
    }

    @Override
    public void workerReplaced(long pid, String reason) {
        try {
            delegate.workerReplaced(pid, reason);
        } catch (RuntimeException e) {
            failed("workerReplaced", e);
        }
    }

    @Override
    public void workerStartFailed(Throwable failure) {
        try {
            delegate.workerStartFailed(failure);
        } catch (RuntimeException e) {
            failed("workerStartFailed", e);
        }
    }

    @Override
    public void callStarted(String entry) {
        try {
            delegate.callStarted(entry);
        } catch (RuntimeException e) {
            failed("callStarted", e);
        }
    }

    @Override
    public void callCompleted(String entry, String outcome, long durationNanos) {
        try {
            delegate.callCompleted(entry, outcome, durationNanos);
        } catch (RuntimeException e) {
            failed("callCompleted", e);
        }
    }

    @Override
    public void callCancelled(String entry) {
        try {
            delegate.callCancelled(entry);
        } catch (RuntimeException e) {
            failed("callCancelled", e);
        }
    }

    @Override
    public void periodic() {
        try {
            delegate.periodic();
        } catch (RuntimeException e) {
            failed("periodic", e);
        }
    }

    private static void failed(String method, RuntimeException e) {
        log.warn("Listener failed in {}; ignored", method, e);
    }
}
