package dev.molt.accel.worker;

import static dev.molt.accel.worker.Requests.msgpack;
import static dev.molt.accel.worker.Requests.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request that finds the worker idle runs on the session thread that read it, while the session's
 * other thread reads on: it is answered as any other, can be cancelled and times out, counts against
 * {@code threads}, is drained at the end of the input, and no session thread outlives its session.
 * The first request of a fresh worker always finds it idle, so these tests know where it runs.
 */
class ReaderRunsCallsTest {

    private static final long WAIT_S = 30;
    private static final Duration WAIT = Duration.ofSeconds(WAIT_S);
    private static final String READER = "molt-accel-worker-reader";

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch interrupted = new CountDownLatch(1);
    private final AtomicReference<Thread> firstHandlerThread = new AtomicReference<>();
    private final Set<String> handlerThreads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger maxRunning = new AtomicInteger();
    private InProcessWorker worker;
    private MoltWorkerServer server;

    /** {@code where}: the handler's thread name; {@code wait}: blocks until released or interrupted. */
    private List<Export> exports() {
        return List.of(
                Export.of("where", Codec.MSGPACK, Codec.MSGPACK, Object.class,
                        (p, ctx) -> Map.of("thread", Thread.currentThread().getName())),
                Export.of("wait", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        firstHandlerThread.compareAndSet(null, Thread.currentThread());
                        handlerThreads.add(Thread.currentThread().getName());
                        started.countDown();
                        release.await(4 * WAIT_S, TimeUnit.SECONDS);
                        return Map.of("released", true);
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                    } finally {
                        running.decrementAndGet();
                    }
                }));
    }

    private MoltWorker.Builder builder(int threads, int maxQueue) {
        return MoltWorker.builder().threads(threads).maxQueue(maxQueue).drainTimeout(Duration.ofSeconds(10))
                .exports(exports());
    }

    private InProcessWorker start(int threads, int maxQueue) {
        worker = new InProcessWorker(builder(threads, maxQueue).build());
        return worker;
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (worker != null) {
            worker.close();
        }
        if (server != null) {
            server.shutdown();
        }
    }

    private void awaitStarted() throws InterruptedException {
        assertThat(started.await(WAIT_S, TimeUnit.SECONDS)).as("handler started").isTrue();
    }

    private static String threadOf(ResponseEnvelope r) {
        return (String) Requests.resultMap(r).get("thread");
    }

    /** Live threads not in {@code before} whose names start with {@code prefix}. */
    private static List<Thread> newThreads(Set<Thread> before, String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && t.getName().startsWith(prefix))
                .toList();
    }

    // ------------------------------------------------------------------ stdio

    @Test
    void aLoneCallRunsOnTheThreadThatReadItAndReportsItsRealQueueTime() {
        FrameChannel c = start(2, 8).channel;
        ResponseEnvelope first = c.call(msgpack(1, "where", 0, Map.of()));
        assertThat(first.status()).as(first.toString()).isEqualTo(Status.OK);
        assertThat(threadOf(first)).startsWith(READER);
        assertThat(first.metrics()).containsKeys("queue_us", "handler_us", "exec_us").containsEntry("queue_depth", 0L);
        assertThat((Long) first.metrics().get("queue_us")).as("no hop to a pool thread").isBetween(0L, 5_000_000L);
        // whichever thread runs them (the one that ran the last call may not be back yet), every
        // further lone call is answered, and the session keeps reading
        for (int i = 2; i <= 50; i++) {
            ResponseEnvelope r = c.call(msgpack(i, "where", 0, Map.of()));
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.OK);
            assertThat(threadOf(r)).matches("molt-accel-worker-(reader|reader-2|\\d+)");
            assertThat((Long) r.metrics().get("queue_us")).isBetween(0L, 5_000_000L);
        }
        assertThat(c.call(ping(51)).status()).isEqualTo(Status.OK);
    }

    @Test
    void whileACallBlocksOnItsReaderPingsCancelsAndFurtherCallsAreStillRead() throws Exception {
        FrameChannel c = start(2, 8).channel;
        c.send(Wire.MSGPACK, msgpack(1, "wait", 0, Map.of()));
        awaitStarted();
        assertThat(firstHandlerThread.get().getName()).startsWith(READER);

        assertThat(c.call(ping(2)).status()).isEqualTo(Status.OK);
        ResponseEnvelope meanwhile = c.call(msgpack(3, "where", 0, Map.of()));
        assertThat(meanwhile.status()).isEqualTo(Status.OK);
        assertThat(threadOf(meanwhile)).as("a second call goes to the pool while the first runs on a reader")
                .matches("molt-accel-worker-\\d+");

        c.send(Wire.MSGPACK, Requests.cancel(1));
        List<ResponseEnvelope> got = c.next(2);
        assertThat(got).filteredOn(ResponseEnvelope::isCancelAck).extracting(ResponseEnvelope::requestId)
                .containsExactly(1L);
        assertThat(got).filteredOn(r -> !r.isCancelAck()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(1);
            assertThat(r.status()).isEqualTo(Status.CANCELLED);
            assertThat(r.error()).isEqualTo("Request cancelled");
        });
        assertThat(interrupted.await(WAIT_S, TimeUnit.SECONDS)).as("the cancel interrupted the handler").isTrue();
        // the interrupt stayed with the handler: the session goes on reading and answering
        assertThat(c.call(msgpack(4, "where", 0, Map.of())).status()).isEqualTo(Status.OK);
        assertThat(c.call(ping(5)).status()).isEqualTo(Status.OK);
        assertThat(c.nothingPending()).isTrue();
    }

    @Test
    void aDeadlinePassingWhileTheCallRunsOnItsReaderAnswersTimeout() throws Exception {
        FrameChannel c = start(2, 8).channel;
        ResponseEnvelope r = c.call(msgpack(1, "wait", 300, Map.of()));
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.TIMEOUT);
        assertThat(r.error()).isEqualTo("Request timed out");
        assertThat(firstHandlerThread.get().getName()).startsWith(READER);
        assertThat(interrupted.await(WAIT_S, TimeUnit.SECONDS)).as("the deadline interrupted the handler").isTrue();
        assertThat(c.call(ping(2)).status()).isEqualTo(Status.OK);
        assertThat(c.call(msgpack(3, "where", 0, Map.of())).status()).isEqualTo(Status.OK);
    }

    @ParameterizedTest(name = "maxQueue {0}")
    @ValueSource(ints = {0, 2})
    void handlersOnReadersAndPoolTogetherNeverExceedThreadsAndTheRestQueueOrAreBusy(int maxQueue)
            throws Exception {
        int threads = 2;
        int accepted = threads + maxQueue;
        int n = accepted + 4;
        FrameChannel c = start(threads, maxQueue).channel;
        c.send(Wire.MSGPACK, msgpack(1, "wait", 0, Map.of()));
        awaitStarted(); // on a reader: the worker was idle
        for (int i = 2; i <= n; i++) {
            c.send(Wire.MSGPACK, msgpack(i, "wait", 0, Map.of()));
        }
        // one handler on a reader, one on a pool thread; with a queue, one more call waits in the
        // other pool thread's hands and one in the queue: beyond threads + maxQueue, Busy
        List<ResponseEnvelope> busy = c.next(n - accepted);
        assertThat(busy).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(Status.BUSY);
            assertThat(r.error()).isEqualTo("Worker queue full");
        });
        assertThat(busy).extracting(ResponseEnvelope::requestId)
                .containsExactlyInAnyOrderElementsOf(ids(accepted + 1, n));
        await().atMost(WAIT).until(() -> running.get() >= threads);
        assertThat(maxRunning.get()).isEqualTo(threads);
        assertThat(handlerThreads).anyMatch(name -> name.startsWith(READER));

        release.countDown();
        List<ResponseEnvelope> done = c.next(accepted);
        assertThat(done).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(Status.OK));
        assertThat(done).extracting(ResponseEnvelope::requestId).containsExactlyInAnyOrderElementsOf(ids(1, accepted));
        assertThat(maxRunning.get()).as("handlers running at once").isEqualTo(threads);
        assertThat(c.call(msgpack(n + 1, "where", 0, Map.of())).status()).isEqualTo(Status.OK);
    }

    private static List<Long> ids(int from, int to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void endOfInputWaitsForTheCallOnAReaderThenNoSessionThreadIsLeft() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        InProcessWorker w = start(2, 8);
        w.channel.send(Wire.MSGPACK, msgpack(1, "wait", 0, Map.of()));
        awaitStarted();
        Thread runner = firstHandlerThread.get();
        assertThat(runner.getName()).startsWith(READER);
        List<Thread> session = newThreads(before, READER);
        assertThat(session).hasSize(2).contains(runner);
        Thread reading = session.get(0) == runner ? session.get(1) : session.get(0);

        w.closeInput();
        // the other thread read the end of the input and ended; serve drains the call still running
        await().atMost(WAIT).until(() -> !reading.isAlive());
        assertThat(w.serveReturned()).as("serve waits for the call on the reader").isFalse();
        assertThat(runner.isAlive()).isTrue();

        release.countDown();
        ResponseEnvelope r = w.channel.next();
        assertThat(r.requestId()).isEqualTo(1);
        assertThat(r.status()).as(r.toString()).isEqualTo(Status.OK);
        assertThat(Requests.result(r)).isEqualTo(Map.of("released", true));
        w.awaitServeReturn(WAIT);
        assertThat(w.channel.awaitEof(WAIT)).isEmpty();
        assertThat(session).as("session threads once serve returned").noneMatch(Thread::isAlive);
        // and the engine's threads (pool, timer) end once it is shut down
        await().atMost(WAIT).untilAsserted(() -> assertThat(newThreads(before, "molt-accel-worker"))
                .extracting(Thread::getName).isEmpty());
    }

    // ------------------------------------------------------------------ sockets

    private SocketClient connect(int threads) throws Exception {
        server = builder(threads, 8).listen("tcp://127.0.0.1:0").build().start();
        return SocketClient.connect(server.addresses().get(0));
    }

    @Test
    void onASocketTheCallRunsOnAConnectionThreadWhileTheOtherReadsOn() throws Exception {
        try (SocketClient client = connect(2)) {
            FrameChannel c = client.channel;
            c.send(Wire.MSGPACK, msgpack(1, "wait", 1_000, Map.of()));
            awaitStarted();
            assertThat(firstHandlerThread.get().getName()).matches("molt-worker-conn-\\d+(-2)?");
            c.send(Wire.MSGPACK, ping(2)); // read while the call blocks
            Map<Long, ResponseEnvelope> got = new java.util.HashMap<>();
            c.next(2).forEach(r -> got.put(r.requestId(), r));
            assertThat(got.keySet()).containsExactlyInAnyOrder(1L, 2L);
            assertThat(got.get(2L).status()).isEqualTo(Status.OK);
            assertThat(got.get(1L).status()).as(got.get(1L).toString()).isEqualTo(Status.TIMEOUT);
            assertThat(interrupted.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            ResponseEnvelope after = c.call(msgpack(3, "where", 0, Map.of()));
            assertThat(after.status()).isEqualTo(Status.OK);
            assertThat(threadOf(after)).matches("molt-worker-conn-\\d+(-2)?|molt-accel-worker-\\d+");
        }
    }

    @Test
    void aSocketClientGoingAwayStopsTheCallOnItsReaderAndBothConnectionThreadsEnd() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        SocketClient client = connect(2);
        FrameChannel c = client.channel;
        c.send(Wire.MSGPACK, msgpack(1, "wait", 0, Map.of()));
        awaitStarted();
        assertThat(firstHandlerThread.get().getName()).matches("molt-worker-conn-\\d+(-2)?");
        assertThat(c.call(ping(2)).status()).isEqualTo(Status.OK);
        List<Thread> connection = newThreads(before, "molt-worker-conn-");
        assertThat(connection).hasSize(2).contains(firstHandlerThread.get());

        client.close();
        assertThat(interrupted.await(WAIT_S, TimeUnit.SECONDS)).as("the call stopped with its client").isTrue();
        await().atMost(WAIT).until(() -> server.openConnections() == 0);
        await().atMost(WAIT).untilAsserted(() -> assertThat(connection).noneMatch(Thread::isAlive));
    }
}
