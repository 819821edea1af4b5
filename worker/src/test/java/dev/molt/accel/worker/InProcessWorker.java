package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A {@link MoltWorker} serving over in-memory pipes on its own thread, with a {@link FrameChannel} to it. */
final class InProcessWorker implements AutoCloseable {

    private final Pipe requests = new Pipe();
    private final Pipe responses = new Pipe();
    private final CountDownLatch served = new CountDownLatch(1);
    private final Thread server;
    final FrameChannel channel;

    InProcessWorker(MoltWorker worker) {
        this.server = new Thread(() -> {
            try {
                worker.serve(requests.in, responses.out);
            } finally {
                served.countDown();
                responses.closeWriter();
            }
        }, "test-serve");
        this.server.setDaemon(true);
        this.server.start();
        this.channel = new FrameChannel(requests.out, responses.in);
    }

    /** Ends the worker's input, as a client closing the worker's stdin. */
    void closeInput() {
        channel.closeOutput();
    }

    /** Makes the worker's output fail, as a client that went away. */
    void closeResponseReader() {
        responses.closeReader();
    }

    boolean serveReturned() {
        return served.getCount() == 0;
    }

    void awaitServeReturn(Duration timeout) {
        try {
            assertThat(served.await(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("serve returned").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        closeInput();
        awaitServeReturn(Duration.ofSeconds(60));
    }
}
