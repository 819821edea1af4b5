package dev.molt.accel.bench;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.client.MoltClientListener;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cold starts of the bundled Java worker, one after the other: for each, the time from spawn to the
 * answered readiness {@code __ping__} (as the client reports it), the worker's resident memory then,
 * and the latency of the first {@code list_items} and the first {@code compute} call (with a 10 s
 * timeout, so that a slow first call is measured instead of cut at 250 ms). Prints one line per
 * start, then the median and maximum of each column.
 *
 * <p>Options: {@code --runs N} (default 10), {@code --no-cds}, {@code --no-warmup} (the bundled
 * worker's start options), {@code --cache-dir DIR} (where the class-data archive is kept),
 * {@code --java-option OPT} (repeatable).
 */
public final class StartupBench {

    private StartupBench() {
    }

    public static void main(String[] args) throws IOException {
        int runs = 10;
        Boolean cds = null;
        Boolean warmup = null;
        Path cacheDir = null;
        List<String> javaOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--no-cds" -> cds = false;
                case "--no-warmup" -> warmup = false;
                case "--cache-dir" -> cacheDir = Path.of(args[++i]);
                case "--java-option" -> javaOptions.add(args[++i]);
                default -> {
                    System.err.println("Usage: StartupBench [--runs N] [--no-cds] [--no-warmup] [--cache-dir DIR] [--java-option OPT]...");
                    System.exit(2);
                }
            }
        }
        Map<String, Object> listPayload = Map.of("user_id", 7, "limit", 50);
        Map<String, Object> computePayload = Map.of("values", List.of(1.5, 2.5, 3.5, 4.5), "scale", 2.0, "offset", 1.0);
        CallOptions listOptions = CallOptions.builder().codec(Codec.MSGPACK).timeout(Duration.ofSeconds(10)).build();
        List<long[]> rows = new ArrayList<>();
        System.out.println("run  ready_ms  rss_ready_kib  first_list_ms  first_compute_ms  rss_after_kib");
        if (cds == null) {
            // the first start creates the class-data archive in the background: wait for it, so
            // that the runs measure starts with the archive
            MoltClientBuilder first = MoltClient.builder().name("startup-bench").javaOptions(javaOptions);
            startOptions(first, null, warmup, cacheDir);
            try (MoltClient client = first.build()) {
                client.start();
            }
            awaitArchive();
        }
        for (int run = 1; run <= runs; run++) {
            AtomicLong readyNanos = new AtomicLong();
            AtomicLong pid = new AtomicLong();
            MoltClientBuilder builder = MoltClient.builder().name("startup-bench").javaOptions(javaOptions)
                    .listener(new MoltClientListener() {
                        @Override
                        public void workerStarted(long workerPid, Duration startTime) {
                            pid.set(workerPid);
                            readyNanos.set(startTime.toNanos());
                        }
                    });
            startOptions(builder, cds, warmup, cacheDir);
            try (MoltClient client = builder.build()) {
                client.start();
                long rssReady = rssKib(pid.get());
                long t0 = System.nanoTime();
                MoltResult list = client.call("list_items", listPayload, listOptions);
                long listNanos = System.nanoTime() - t0;
                t0 = System.nanoTime();
                MoltResult compute = client.call("compute", computePayload, listOptions);
                long computeNanos = System.nanoTime() - t0;
                if (list.bytes().length == 0 || compute.bytes().length == 0) {
                    throw new IllegalStateException("empty answer");
                }
                long[] row = {readyNanos.get() / 1_000_000, rssReady, listNanos / 1_000_000, computeNanos / 1_000_000,
                        rssKib(pid.get())};
                rows.add(row);
                System.out.printf("%3d  %8d  %13d  %13d  %16d  %13d%n", run, row[0], row[1], row[2], row[3], row[4]);
            }
        }
        String[] names = {"ready_ms", "rss_ready_kib", "first_list_ms", "first_compute_ms", "rss_after_kib"};
        for (int c = 0; c < names.length; c++) {
            List<Long> col = new ArrayList<>();
            for (long[] r : rows) {
                col.add(r[c]);
            }
            Collections.sort(col);
            System.out.printf("%-17s median %6d  max %6d%n", names[c], col.get(col.size() / 2), col.get(col.size() - 1));
        }
    }

    private static void startOptions(MoltClientBuilder builder, Boolean cds, Boolean warmup, Path cacheDir) {
        if (cds != null) {
            builder.workerCds(cds);
        }
        if (warmup != null) {
            builder.workerWarmup(warmup);
        }
        if (cacheDir != null) {
            builder.cacheDirectory(cacheDir);
        }
    }

    private static void awaitArchive() {
        long end = System.nanoTime() + 90_000_000_000L;
        while (System.nanoTime() < end) {
            boolean creating = Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("molt-accel-cds"));
            if (!creating) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
