package dev.molt.accel.demo.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.demo.DemoApplication;
import dev.molt.accel.demo.DemoSettings;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadContext;
import dev.molt.accel.spring.MoltPayloadBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The pool's own life cycle under load, through the demo app: rolling recycles every 2,000 calls
 * under a closed loop of 8 connections (no request may fail, several worker generations must
 * serve), and an elastic pool that grows under a burst and is back at its size after the idle
 * timeout. Tagged {@code chaos}, not in the default build:
 * {@code mvn -B -pl demo -am verify -Pchaos -DskipITs -Dtest=PoolLifecycleChaosTest*}.
 */
@Tag("chaos")
class PoolLifecycleChaosTest {

    static final Duration LOAD = Duration.ofSeconds(Integer.getInteger("molt.chaos.recycle.seconds", 15));

    /** Closed-loop load: {@code connections} threads, each sending its next request once the last one answered. */
    static final class ClosedLoop {
        final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        final List<Long> micros = Collections.synchronizedList(new ArrayList<>());
        /** The first answer body of each status other than 200, for the report. */
        final Map<Integer, String> firstErrors = new ConcurrentHashMap<>();

        void run(int port, String path, int connections, Duration length, Runnable sample) throws Exception {
            ExecutorService threads = Executors.newFixedThreadPool(connections + 1);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            AtomicBoolean stop = new AtomicBoolean();
            try {
                List<Future<?>> loops = new ArrayList<>();
                for (int c = 0; c < connections; c++) {
                    int conn = c;
                    loops.add(threads.submit(() -> {
                        for (int i = 0; !stop.get(); i++) {
                            String query = path.contains("?") ? "" : "?user_id=" + (1 + (conn * 7 + i) % 50) + "&limit=20";
                            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path + query))
                                    .timeout(Duration.ofSeconds(10)).GET().build();
                            long t0 = System.nanoTime();
                            int status;
                            try {
                                HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString());
                                status = resp.statusCode();
                                if (status != 200) {
                                    firstErrors.putIfAbsent(status, resp.body());
                                }
                            } catch (java.io.IOException e) {
                                status = -1;
                                firstErrors.putIfAbsent(status, e.toString());
                            }
                            micros.add((System.nanoTime() - t0) / 1_000);
                            statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                        }
                        return null;
                    }));
                }
                loops.add(threads.submit(() -> {
                    while (!stop.get()) {
                        sample.run();
                        TimeUnit.MILLISECONDS.sleep(5); // sampling period, not synchronization
                    }
                    return null;
                }));
                TimeUnit.NANOSECONDS.sleep(length.toNanos()); // the length of the load run
                stop.set(true);
                for (Future<?> f : loops) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                stop.set(true);
                threads.shutdownNow();
                threads.awaitTermination(10, TimeUnit.SECONDS);
            }
        }

        Map<Integer, Long> statusCounts() {
            Map<Integer, Long> m = new TreeMap<>();
            statuses.forEach((k, v) -> m.put(k, v.get()));
            return m;
        }

        long total() {
            return statusCounts().values().stream().mapToLong(Long::longValue).sum();
        }

        long percentileMicros(double p) {
            long[] v;
            synchronized (micros) {
                v = micros.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            return v.length == 0 ? 0 : v[Math.min(v.length - 1, (int) Math.ceil(p * v.length) - 1)];
        }
    }

    /** The demo's defaults (bundled worker, pool of 1, its spare) with a recycle every 2,000 calls. */
    @Nested
    @SpringBootTest(classes = DemoApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "molt.accel.recycle.max-calls=2000")
    class Recycling {

        @LocalServerPort
        int port;

        @Autowired
        MoltClient client;

        @Test
        void recyclingEveryTwoThousandCallsUnderEightConnectionsFailsNoRequest() throws Exception {
            await().atMost(Duration.ofSeconds(60)).until(() -> client.stats().workers() == 1
                    && client.stats().spares() == DemoSettings.spareWorkers());
            new ClosedLoop().run(port, "/offload/", 8, Duration.ofSeconds(3), () -> { }); // JIT warm-up, no figures
            long recyclesBefore = client.stats().recycles();
            long callsBefore = client.stats().calls();
            Set<Long> generations = ConcurrentHashMap.newKeySet();
            ClosedLoop load = new ClosedLoop();
            load.run(port, "/offload/", 8, LOAD, () -> generations.addAll(client.stats().pids()));
            long recycles = client.stats().recycles() - recyclesBefore;
            long calls = client.stats().calls() - callsBefore;
            Map<Integer, Long> statuses = load.statusCounts();
            System.out.println("recycle-2000: " + load.total() + " requests in " + LOAD.toSeconds() + " s over 8 connections "
                    + "(" + load.total() / Math.max(1, LOAD.toSeconds()) + "/s), statuses " + statuses + ", worker calls " + calls
                    + ", recycles " + recycles + ", worker generations seen " + generations.size() + ", p50 "
                    + load.percentileMicros(0.5) + " us, p99 " + load.percentileMicros(0.99) + " us, max "
                    + load.percentileMicros(1.0) + " us, errors " + load.firstErrors + ", stats " + client.stats());
            assertThat(statuses).as("every request answered 200").containsOnlyKeys(200);
            assertThat(recycles).as("recycles at 2,000 calls (jitter 10 %%) of %s calls", calls)
                    .isGreaterThanOrEqualTo(Math.max(2, calls / 2_000 - 2));
            assertThat(generations).as("worker generations that served").hasSizeGreaterThanOrEqualTo(3);
        }
    }

    /** An elastic pool (1 to 3 workers) over the test worker, growing under a burst of slow calls. */
    @Nested
    @SpringBootTest(classes = {DemoApplication.class, PoolLifecycleChaosTest.SlowEndpoint.class},
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"molt.accel.max-pool-size=3", "molt.accel.scale-up-in-flight=4", "molt.accel.idle-timeout=3s"})
    class Elastic {

        @DynamicPropertySource
        static void worker(DynamicPropertyRegistry registry) {
            PoolChaosTest.testWorker(registry);
        }

        @LocalServerPort
        int port;

        @Autowired
        MoltClient client;

        @Test
        void aBurstGrowsThePoolAndItIsBackAtItsSizeAfterTheIdleTimeout() throws Exception {
            await().atMost(Duration.ofSeconds(60)).until(() -> client.stats().workers() == 1
                    && client.stats().spares() == DemoSettings.spareWorkers());
            assertThat(client.stats().size()).isEqualTo(1);
            AtomicInteger maxSize = new AtomicInteger();
            AtomicInteger maxWorkers = new AtomicInteger();
            long t0 = System.nanoTime();
            AtomicLong grewAfterMillis = new AtomicLong(-1);
            ClosedLoop burst = new ClosedLoop();
            burst.run(port, "/chaos/slow?x=1", 32, Duration.ofSeconds(4), () -> {
                int size = client.stats().size();
                if (size > 1) {
                    grewAfterMillis.compareAndSet(-1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                }
                maxSize.accumulateAndGet(size, Math::max);
                maxWorkers.accumulateAndGet(client.stats().workers(), Math::max);
            });
            long burstEnd = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> client.stats().size() == 1 && client.stats().workers() == 1);
            long shrankAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burstEnd);
            System.out.println("elastic: burst of 32 connections x 4 s on a 50 ms export, " + burst.total() + " requests, statuses "
                    + burst.statusCounts() + "; pool grew after " + grewAfterMillis.get() + " ms to size " + maxSize.get()
                    + " (" + maxWorkers.get() + " workers taking calls, max-pool-size 3); back at size 1 "
                    + shrankAfterMillis + " ms after the burst (idle-timeout 3 s); errors " + burst.firstErrors + "; stats " + client.stats());
            assertThat(burst.statusCounts()).as("every burst request answered 200").containsOnlyKeys(200);
            assertThat(maxSize.get()).as("the pool grew").isBetween(2, 3);
            assertThat(maxWorkers.get()).as("and its new workers took calls").isGreaterThanOrEqualTo(2);
            assertThat(shrankAfterMillis).as("back at pool-size after the 3 s idle timeout").isGreaterThanOrEqualTo(3_000L);
        }
    }

    /** An offloaded endpoint whose worker call takes 50 ms (the test worker's {@code sleep}). */
    @RestController
    static class SlowEndpoint {

        @GetMapping("/chaos/slow")
        @MoltOffload(entry = "sleep", timeoutMs = 10_000, idempotent = true, payloadBuilder = SleepPayload.class)
        public Map<String, Object> slow() {
            throw new IllegalStateException("served by the worker");
        }
    }

    /** {@code {"ms": 50}}. */
    public static final class SleepPayload implements MoltPayloadBuilder {
        @Override
        public Object build(MoltOffloadContext context) {
            return Map.of("ms", 50);
        }
    }
}
