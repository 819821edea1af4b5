package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.ProtocolException;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The client side of a worker connection in tests: writes request frames, and a pump thread reads
 * response frames into a queue (keeping the raw body, and the envelope when it decodes).
 */
final class FrameChannel implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    /** One frame from the worker. */
    record Received(Wire wire, byte[] body, ResponseEnvelope response) {
        ResponseEnvelope ok() {
            assertThat(response).as("decodable response").isNotNull();
            return response;
        }
    }

    private final OutputStream toWorker;
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final CountDownLatch eof = new CountDownLatch(1);
    private final Thread pump;
    private volatile Throwable pumpFailure;

    FrameChannel(OutputStream toWorker, InputStream fromWorker) {
        this.toWorker = toWorker;
        this.pump = new Thread(() -> pump(fromWorker), "test-response-pump");
        this.pump.setDaemon(true);
        this.pump.start();
    }

    private void pump(InputStream in) {
        try {
            while (true) {
                byte[] body = Frames.read(in, Frames.DEFAULT_MAX_FRAME_BYTES);
                if (body == null) {
                    return;
                }
                Wire wire = Envelopes.detectWire(body);
                ResponseEnvelope r;
                try {
                    r = Envelopes.decodeResponse(wire, body);
                } catch (ProtocolException e) {
                    r = null;
                }
                received.add(new Received(wire, body, r));
            }
        } catch (IOException | RuntimeException e) {
            pumpFailure = e;
        } finally {
            eof.countDown();
        }
    }

    synchronized void send(Wire wire, RequestEnvelope request) {
        sendRaw(Envelopes.encodeRequestFrame(wire, request, Frames.DEFAULT_MAX_FRAME_BYTES));
    }

    synchronized void sendRaw(byte[] bytes) {
        try {
            toWorker.write(bytes);
            toWorker.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame, failing the test when none arrives in time. */
    Received nextFrame() {
        try {
            Received r = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(r).as("a response frame within " + WAIT + (pumpFailure == null ? "" : "; pump: " + pumpFailure))
                    .isNotNull();
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next frame, or {@code null} when none arrives within {@code timeout}. */
    Received nextFrameOrNull(Duration timeout) {
        try {
            return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next response envelope. */
    ResponseEnvelope next() {
        return nextFrame().ok();
    }

    /** The next {@code n} responses, in arrival order. */
    List<ResponseEnvelope> next(int n) {
        List<ResponseEnvelope> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    /** Sends and waits for the next response, which must answer {@code request}. */
    ResponseEnvelope call(Wire wire, RequestEnvelope request) {
        send(wire, request);
        ResponseEnvelope r = next();
        assertThat(r.requestId()).isEqualTo(request.requestId());
        return r;
    }

    ResponseEnvelope call(RequestEnvelope request) {
        return call(Wire.MSGPACK, request);
    }

    /** Waits for the worker's output to end; returns the frames still unread. */
    List<Received> awaitEof(Duration timeout) {
        try {
            assertThat(eof.await(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("worker output ended").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        List<Received> rest = new ArrayList<>();
        received.drainTo(rest);
        return rest;
    }

    /** What ended the pump other than a clean end of stream, or {@code null}. */
    Throwable pumpFailure() {
        return pumpFailure;
    }

    /** Whether nothing is waiting to be read right now. */
    boolean nothingPending() {
        return received.isEmpty();
    }

    void closeOutput() {
        try {
            toWorker.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closeOutput();
    }
}
