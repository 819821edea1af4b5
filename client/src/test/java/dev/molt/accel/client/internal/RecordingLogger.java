package dev.molt.accel.client.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger that records what it is given (up to a bound), or throws on every call when asked to. */
final class RecordingLogger extends LegacyAbstractLogger {

    private static final long serialVersionUID = 1L;
    private static final int KEEP = 100_000;

    private final transient List<String> info = new ArrayList<>();
    private final transient List<String> warn = new ArrayList<>();
    private final AtomicInteger infoCount = new AtomicInteger();
    private final AtomicInteger warnCount = new AtomicInteger();
    private final boolean failing;

    RecordingLogger(boolean failing) {
        this.name = "test.stderr";
        this.failing = failing;
    }

    synchronized List<String> info() {
        return List.copyOf(info);
    }

    synchronized List<String> warn() {
        return List.copyOf(warn);
    }

    int infoCount() {
        return infoCount.get();
    }

    int warnCount() {
        return warnCount.get();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected synchronized void handleNormalizedLoggingCall(Level level, Marker marker, String pattern,
            Object[] args, Throwable t) {
        if (failing) {
            throw new IllegalStateException("logger broken");
        }
        String text = MessageFormatter.basicArrayFormat(pattern, args);
        if (level == Level.WARN) {
            warnCount.incrementAndGet();
            if (warn.size() < KEEP) {
                warn.add(text);
            }
        } else if (level == Level.INFO) {
            infoCount.incrementAndGet();
            if (info.size() < KEEP) {
                info.add(text);
            }
        }
    }

    @Override
    public boolean isTraceEnabled() {
        return true;
    }

    @Override
    public boolean isDebugEnabled() {
        return true;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return true;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return true;
    }
}
