package dev.molt.accel.bench.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * CPU time and resident memory of processes, read from {@code /proc} (Linux only): {@code utime +
 * stime} of {@code /proc/<pid>/stat} and {@code VmRSS} / {@code VmHWM} of {@code /proc/<pid>/status}.
 * A {@link Sampler} follows one process and its child processes (the worker processes of the demo
 * application) during a run. Stateless helpers are thread-safe; a sampler is used by one run.
 */
public final class ProcStats {

    /** Clock ticks per second of {@code /proc/<pid>/stat} times ({@code getconf CLK_TCK}; 100 on Linux). */
    static final long CLOCK_TICKS = clockTicks();

    private ProcStats() {
    }

    /** CPU time (user + system) of {@code pid} in nanoseconds, or -1 when it is gone. */
    public static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // the command name may hold spaces and parentheses: fields count from the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * (TimeUnit.SECONDS.toNanos(1) / CLOCK_TICKS);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU time the whole machine spent busy (user, nice, system, irq, softirq, steal of the {@code cpu}
     * line of {@code /proc/stat}), in nanoseconds; -1 when unknown.
     */
    public static long machineBusyNanos() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    long ticks = 0;
                    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                        ticks += Long.parseLong(f[i]);
                    }
                    return ticks * (TimeUnit.SECONDS.toNanos(1) / CLOCK_TICKS);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The 1-minute load average, or -1. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU time of the JIT compiler threads ({@code C1 CompilerThre*}, {@code C2 CompilerThre*}) of a
     * JVM in nanoseconds; 0 when there are none or the process is gone.
     */
    public static long compilerCpuNanos(long pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(t.resolve("comm"), StandardCharsets.US_ASCII);
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        String stat = Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII);
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * (TimeUnit.SECONDS.toNanos(1) / CLOCK_TICKS);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return sum;
        }
        return sum;
    }

    /** CPU time of this process in nanoseconds. */
    public static long selfCpuNanos() {
        return cpuNanos(ProcessHandle.current().pid());
    }

    /** {@code VmRSS} (resident now) of {@code pid} in KiB, or -1. */
    public static long rssKib(long pid) {
        return statusKib(pid, "VmRSS:");
    }

    /** {@code VmHWM} (peak resident) of {@code pid} in KiB, or -1. */
    public static long hwmKib(long pid) {
        return statusKib(pid, "VmHWM:");
    }

    /** The number of threads of {@code pid}, or -1. */
    public static long threads(long pid) {
        return statusKib(pid, "Threads:");
    }

    /** The number of open file descriptors of {@code pid} ({@code /proc/<pid>/fd}), or -1. */
    public static long openFds(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A numeric field of {@code /proc/<pid>/status} (sizes there are in KiB), or -1. */
    private static long statusKib(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The pids of the direct children of {@code pid}. */
    public static List<Long> children(long pid) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(p -> p.children().forEach(c -> out.add(c.pid())));
        return out;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                long v = Long.parseLong(out);
                if (v > 0) {
                    return v;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the Linux default
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /**
     * Samples a process and its children every {@code period} while a run lasts: CPU used from
     * {@link #start()} to {@link #stop()} (children that appear meanwhile count from zero, children
     * that end count up to their last sample) and the largest resident sizes seen.
     */
    public static final class Sampler {
        private final long pid;
        private final long periodNanos;
        private final Map<Long, long[]> childCpu = new HashMap<>(); // pid -> {first, last}
        private long appCpuStart;
        private long appCpuEnd;
        private long machineStart;
        private long machineEnd;
        private long appRssMaxKib;
        private long childRssMaxKib;
        private Thread thread;
        private volatile boolean running;

        public Sampler(long pid, long periodMillis) {
            this.pid = pid;
            this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMillis);
        }

        /** Takes the first sample and starts sampling in the background. */
        public synchronized void start() {
            machineStart = machineBusyNanos();
            appCpuStart = cpuNanos(pid);
            for (long c : children(pid)) {
                long cpu = cpuNanos(c);
                if (cpu >= 0) {
                    childCpu.put(c, new long[] {cpu, cpu});
                }
            }
            sampleMemory();
            running = true;
            thread = new Thread(this::loop, "molt-bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running) {
                LockSupport.parkNanos(periodNanos);
                synchronized (this) {
                    if (running) {
                        sampleChildrenCpu();
                        sampleMemory();
                    }
                }
            }
        }

        private void sampleChildrenCpu() {
            for (long c : children(pid)) {
                long cpu = cpuNanos(c);
                if (cpu < 0) {
                    continue;
                }
                long[] v = childCpu.get(c);
                if (v == null) {
                    childCpu.put(c, new long[] {0, cpu});
                } else {
                    v[1] = cpu;
                }
            }
        }

        private void sampleMemory() {
            appRssMaxKib = Math.max(appRssMaxKib, rssKib(pid));
            long sum = 0;
            for (long c : children(pid)) {
                long rss = rssKib(c);
                if (rss > 0) {
                    sum += rss;
                }
            }
            childRssMaxKib = Math.max(childRssMaxKib, sum);
        }

        /** Takes the last sample and stops. */
        public void stop() throws InterruptedException {
            synchronized (this) {
                sampleChildrenCpu();
                sampleMemory();
                appCpuEnd = cpuNanos(pid);
                machineEnd = machineBusyNanos();
                running = false;
            }
            if (thread != null) {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
        }

        public synchronized double appCpuSeconds() {
            return Math.max(0, appCpuEnd - appCpuStart) / 1e9;
        }

        public synchronized double childrenCpuSeconds() {
            long sum = 0;
            for (long[] v : childCpu.values()) {
                sum += Math.max(0, v[1] - v[0]);
            }
            return sum / 1e9;
        }

        /** CPU the whole machine was busy from start to stop (every process, the load generator included). */
        public synchronized double machineCpuSeconds() {
            return machineStart < 0 || machineEnd < 0 ? -1 : Math.max(0, machineEnd - machineStart) / 1e9;
        }

        public synchronized double appRssMib() {
            return appRssMaxKib / 1024.0;
        }

        public synchronized double childrenRssMib() {
            return childRssMaxKib / 1024.0;
        }

        /** Children seen during the run. */
        public synchronized int childCount() {
            return childCpu.size();
        }
    }
}
