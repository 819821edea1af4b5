package dev.molt.accel.bench.http;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An HTTP/1.1 load generator over keep-alive connections, one thread per connection, with latencies
 * in HdrHistograms. Two modes:
 * <ul>
 * <li><b>closed</b> loop: each of {@code connections} connections sends its next request as soon as
 * the previous answer is read; the throughput is what the server sustains at that concurrency, and the
 * latency is from send to the end of the answer;</li>
 * <li><b>open</b> loop: requests are due at a fixed {@code rate} (request i at
 * {@code start + i / rate}), taken in order by whichever connection is free; the latency is measured
 * from the <em>intended</em> send time, so time spent waiting for a free connection (the server being
 * behind) counts, and a stall cannot hide the requests it delayed (no coordinated omission). How late
 * requests actually left is reported separately as the send lag.</li>
 * </ul>
 * A warm-up of the same load precedes the measured interval and is not recorded. Answers other than
 * 2xx are counted by status; I/O failures as {@code io}, read time-outs as {@code timeout}.
 *
 * <p>Each {@link #run} uses its own threads and connections and closes them before it returns. The
 * target must be 127.0.0.1 (or localhost): this is a local benchmark tool.
 */
public final class LoadGenerator {

    /** Closed or open loop. */
    public enum Mode {
        CLOSED, OPEN;

        public String id() {
            return name().toLowerCase();
        }
    }

    /**
     * How requests are sent: {@code RAW} (a minimal blocking HTTP/1.1 client on a socket: the least
     * CPU per request) or {@code JDK} ({@code java.net.http.HttpClient}, for comparison).
     */
    public enum Client { RAW, JDK }

    private static final long MAX_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(120);

    /**
     * What to run.
     *
     * @param mode closed or open loop
     * @param host 127.0.0.1 or localhost
     * @param port the server port
     * @param path path and query, such as {@code /offload/?user_id=1}
     * @param connections connections (threads); in open loop the most requests in flight at once
     * @param rate requests per second in open loop (ignored in closed loop)
     * @param warmup load before measuring, not recorded
     * @param duration the measured interval
     * @param timeout connect and read time-out of one request
     * @param client the HTTP client implementation
     */
    public record Config(Mode mode, String host, int port, String path, int connections, double rate,
            Duration warmup, Duration duration, Duration timeout, Client client) {

        public Config {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(warmup, "warmup");
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(client, "client");
            if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) {
                throw new IllegalArgumentException("host must be 127.0.0.1 or localhost, got " + host);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port outside 1..65535: " + port);
            }
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with /: " + path);
            }
            if (connections < 1 || connections > 4096) {
                throw new IllegalArgumentException("connections outside 1..4096: " + connections);
            }
            if (mode == Mode.OPEN && !(rate > 0 && rate <= 1_000_000)) {
                throw new IllegalArgumentException("rate outside (0, 1e6] in open loop: " + rate);
            }
            if (warmup.isNegative() || duration.isNegative() || duration.isZero() || timeout.isNegative()
                    || timeout.isZero()) {
                throw new IllegalArgumentException("warmup >= 0, duration > 0 and timeout > 0 required");
            }
        }

        /** A closed loop at {@code connections} concurrency. */
        public static Config closed(int port, String path, int connections, Duration warmup, Duration duration) {
            return new Config(Mode.CLOSED, "127.0.0.1", port, path, connections, 0, warmup, duration,
                    Duration.ofSeconds(30), Client.RAW);
        }

        /** An open loop at {@code rate} requests per second over at most {@code connections} connections. */
        public static Config open(int port, String path, double rate, int connections, Duration warmup,
                Duration duration) {
            return new Config(Mode.OPEN, "127.0.0.1", port, path, connections, rate, warmup, duration,
                    Duration.ofSeconds(30), Client.RAW);
        }

        public Config withClient(Client c) {
            return new Config(mode, host, port, path, connections, rate, warmup, duration, timeout, c);
        }

        public Config withTimeout(Duration t) {
            return new Config(mode, host, port, path, connections, rate, warmup, duration, t, client);
        }
    }

    /**
     * The outcome of a run.
     *
     * @param config what ran
     * @param requests answers (of any status) to requests that started (closed) or were due (open)
     *     within the measured interval
     * @param seconds the measured interval
     * @param latency latencies of those answers in nanoseconds
     * @param sendLag open loop: how late each request left after its intended time, in nanoseconds
     * @param errors non-2xx answers by status, plus {@code io} and {@code timeout} failures
     * @param generatorCpuNanos CPU time the generator's process spent during the run (warm-up included)
     */
    public record Result(Config config, long requests, double seconds, Histogram latency, Histogram sendLag,
            Map<String, Long> errors, long generatorCpuNanos) {

        /** Answers per second. */
        public double rps() {
            return requests / seconds;
        }

        /** A latency percentile in microseconds. */
        public double latencyUs(double percentile) {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        public double maxUs() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1000.0;
        }

        public double meanUs() {
            return latency.getTotalCount() == 0 ? 0 : latency.getMean() / 1000.0;
        }

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** One connection's way of sending the configured request. Not thread-safe. */
    interface Exchange extends Closeable {

        /** Sends the request, reads the whole answer and returns its status. */
        int exchange() throws IOException;

        @Override
        void close();
    }

    private LoadGenerator() {
    }

    /** Runs {@code config} and returns when every connection is done (or its request timed out). */
    public static Result run(Config config) throws InterruptedException {
        long cpuBefore = ProcStats.selfCpuNanos();
        HttpClient jdk = config.client() == Client.JDK ? HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timeout())
                .build() : null;
        long warmupNanos = config.warmup().toNanos();
        long durationNanos = config.duration().toNanos();
        long begin = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long measureStart = begin + warmupNanos;
        long end = measureStart + durationNanos;
        double intervalNanos = config.mode() == Mode.OPEN ? 1e9 / config.rate() : 0;
        AtomicLong next = new AtomicLong();
        List<Worker> workers = new ArrayList<>(config.connections());
        CountDownLatch done = new CountDownLatch(config.connections());
        for (int i = 0; i < config.connections(); i++) {
            Exchange exchange = config.client() == Client.RAW
                    ? new RawHttpConnection(new InetSocketAddress(config.host(), config.port()), "GET", config.path(),
                            (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
                    : new JdkExchange(jdk, config);
            Worker w = new Worker(config.mode(), exchange, begin, measureStart, end, intervalNanos, next, done);
            workers.add(w);
            Thread t = new Thread(w, "molt-bench-load-" + i);
            t.setDaemon(true);
            t.start();
        }
        long limit = end + config.timeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (!done.await(100, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() - limit > 0) {
                throw new IllegalStateException("Load threads did not finish within the request time-out");
            }
        }
        Histogram latency = newHistogram();
        Histogram lag = newHistogram();
        Map<String, Long> errors = new TreeMap<>();
        long requests = 0;
        for (Worker w : workers) {
            latency.add(w.latency);
            lag.add(w.lag);
            requests += w.requests;
            w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
        }
        return new Result(config, requests, durationNanos / 1e9, latency, lag, errors,
                ProcStats.selfCpuNanos() - cpuBefore);
    }

    static Histogram newHistogram() {
        return new Histogram(MAX_TRACKABLE_NANOS, 3);
    }

    /** One connection's loop. */
    private static final class Worker implements Runnable {
        final Mode mode;
        final Exchange exchange;
        final long begin;
        final long measureStart;
        final long end;
        final double intervalNanos;
        final AtomicLong next;
        final CountDownLatch done;
        final Histogram latency = newHistogram();
        final Histogram lag = newHistogram();
        final Map<String, Long> errors = new TreeMap<>();
        long requests;

        Worker(Mode mode, Exchange exchange, long begin, long measureStart, long end, double intervalNanos,
                AtomicLong next, CountDownLatch done) {
            this.mode = mode;
            this.exchange = exchange;
            this.begin = begin;
            this.measureStart = measureStart;
            this.end = end;
            this.intervalNanos = intervalNanos;
            this.next = next;
            this.done = done;
        }

        @Override
        public void run() {
            try {
                waitUntil(begin);
                if (mode == Mode.CLOSED) {
                    closedLoop();
                } else {
                    openLoop();
                }
            } finally {
                exchange.close();
                done.countDown();
            }
        }

        private void closedLoop() {
            while (true) {
                long start = System.nanoTime();
                if (start - end >= 0) {
                    return;
                }
                int status = send();
                long finish = System.nanoTime();
                if (start - measureStart >= 0) {
                    record(status, finish - start);
                }
            }
        }

        private void openLoop() {
            while (true) {
                long i = next.getAndIncrement();
                long intended = begin + (long) (i * intervalNanos);
                if (intended - end >= 0) {
                    return;
                }
                waitUntil(intended);
                long sent = System.nanoTime();
                int status = send();
                long finish = System.nanoTime();
                if (intended - measureStart >= 0) {
                    lag.recordValue(Math.min(MAX_TRACKABLE_NANOS, Math.max(0, sent - intended)));
                    record(status, finish - intended);
                }
            }
        }

        private int send() {
            try {
                return exchange.exchange();
            } catch (SocketTimeoutException | java.net.http.HttpTimeoutException e) {
                return -2;
            } catch (IOException e) {
                // a refused connection fails at once: do not spin on it
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                return -1;
            }
        }

        private void record(int status, long nanos) {
            if (status == -1 || status == -2) {
                errors.merge(status == -1 ? "io" : "timeout", 1L, Long::sum);
                return;
            }
            requests++;
            latency.recordValue(Math.min(MAX_TRACKABLE_NANOS, Math.max(0, nanos)));
            if (status < 200 || status > 299) {
                errors.merge(Integer.toString(status), 1L, Long::sum);
            }
        }

        private static void waitUntil(long deadline) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(left);
            }
        }
    }

    /** The same exchange through {@code java.net.http.HttpClient} (its own pooled keep-alive connections). */
    private static final class JdkExchange implements Exchange {
        private final HttpClient client;
        private final HttpRequest request;

        JdkExchange(HttpClient client, Config config) {
            this.client = client;
            this.request = HttpRequest.newBuilder(URI.create("http://" + config.host() + ":" + config.port() + config.path()))
                    .timeout(config.timeout())
                    .header("Accept", "application/json")
                    .GET()
                    .build();
        }

        @Override
        public int exchange() throws IOException {
            try {
                return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void close() {
            // the shared client is closed by run()
        }
    }
}
