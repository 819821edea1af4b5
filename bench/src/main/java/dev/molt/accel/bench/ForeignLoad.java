package dev.molt.accel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Measures how busy the machine was with work other than this benchmark (its own JVM and its
 * child processes), from {@code /proc}: every 250 ms it compares the machine's busy CPU time with
 * the CPU time of this process tree. On a shared machine this tells a clean run from a noisy one.
 * Linux only; elsewhere {@link #foreignPercent()} is {@code NaN}. Thread-safe.
 */
final class ForeignLoad implements AutoCloseable {

    private static final Path STAT = Path.of("/proc/stat");
    private static final long INTERVAL_MS = 250;

    private final Thread sampler;
    private long foreignTicks;
    private long totalTicks;
    private volatile boolean stopped;

    private ForeignLoad() {
        sampler = new Thread(this::loop, "bench-foreign-load");
        sampler.setDaemon(true);
    }

    static ForeignLoad start() {
        ForeignLoad f = new ForeignLoad();
        if (Files.isReadable(STAT)) {
            f.sampler.start();
        }
        return f;
    }

    /** Average CPU use by other processes while sampling, in percent of the whole machine. */
    synchronized double foreignPercent() {
        return totalTicks == 0 ? Double.NaN : 100.0 * foreignTicks / totalTicks;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        sampler.interrupt();
        sampler.join(TimeUnit.SECONDS.toMillis(5));
    }

    private void loop() {
        try {
            long[] machine = machineTicks();
            Map<Long, Long> own = ownTicks();
            while (!stopped) {
                TimeUnit.MILLISECONDS.sleep(INTERVAL_MS);
                long[] m2 = machineTicks();
                Map<Long, Long> own2 = ownTicks();
                long ownDelta = 0;
                for (Map.Entry<Long, Long> e : own2.entrySet()) {
                    Long before = own.get(e.getKey());
                    if (before != null) {
                        ownDelta += e.getValue() - before;
                    }
                }
                long busyDelta = m2[0] - machine[0];
                long allDelta = m2[1] - machine[1];
                synchronized (this) {
                    foreignTicks += Math.max(0, busyDelta - ownDelta);
                    totalTicks += allDelta;
                }
                machine = m2;
                own = own2;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                totalTicks = 0;
            }
        }
    }

    /** {busy, total} jiffies of the whole machine. */
    private static long[] machineTicks() throws IOException {
        String line = Files.readAllLines(STAT).get(0);
        String[] f = line.trim().split("\\s+");
        long busy = 0;
        long total = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i != 4 && i != 5) {
                busy += v; // all but idle and iowait
            }
        }
        return new long[] {busy, total};
    }

    /** utime + stime jiffies of this process and its live descendants, by pid. */
    private static Map<Long, Long> ownTicks() {
        Map<Long, Long> m = new HashMap<>();
        List<ProcessHandle> all = new ArrayList<>(ProcessHandle.current().descendants().toList());
        all.add(ProcessHandle.current());
        for (ProcessHandle p : all) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                m.put(p.pid(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
            } catch (IOException | RuntimeException e) {
                // exited between listing and reading
            }
        }
        return m;
    }
}
