package dev.molt.accel.worker;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads named {@code <prefix><n>} (n from 1), or exactly {@code name} for a single thread. */
final class NamedThreads implements ThreadFactory {

    private final String prefix;
    private final boolean numbered;
    private final AtomicInteger next = new AtomicInteger(1);

    private NamedThreads(String prefix, boolean numbered) {
        this.prefix = prefix;
        this.numbered = numbered;
    }

    static NamedThreads numbered(String prefix) {
        return new NamedThreads(prefix, true);
    }

    static NamedThreads single(String name) {
        return new NamedThreads(name, false);
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, numbered ? prefix + next.getAndIncrement() : prefix);
        t.setDaemon(true);
        return t;
    }
}
