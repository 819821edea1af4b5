package dev.molt.accel.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes complete frames to the response stream from any thread. Frames are encoded by the callers
 * outside the lock; under the lock a frame is copied into the stream and flushed only when no other
 * writer is waiting for the lock, so that under load one flush carries many frames while an idle
 * worker still flushes every frame at once. The first {@link IOException} marks the stream closed
 * (the client is gone) and calls the close hook once. With {@code trackStalls} (sockets) it notes
 * when a write began, so that the owner can close a connection whose client stopped reading instead
 * of leaving worker threads blocked in its writes. Thread-safe; does not own the stream.
 */
final class FrameWriter {

    private final ReentrantLock lock = new ReentrantLock();
    private final OutputStream out;
    private final Runnable onClosed;
    private final boolean trackStalls;
    private volatile boolean closed;
    /** When the write under way began ({@code System.nanoTime()}), 0 when none is (stall tracking only). */
    private volatile long writingSince;

    FrameWriter(OutputStream out, Runnable onClosed, boolean trackStalls) {
        this.out = out;
        this.onClosed = onClosed;
        this.trackStalls = trackStalls;
    }

    /** How long the write under way has been blocked, 0 when none is (or stalls are not tracked). */
    long stalledNanos(long now) {
        long since = writingSince;
        return since == 0 ? 0 : now - since;
    }

    /** Writes one frame; returns false when the stream is (now) closed. */
    boolean write(byte[] frame) {
        if (closed) {
            return false;
        }
        boolean failed = false;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            if (trackStalls) {
                writingSince = System.nanoTime() | 1L; // never 0
            }
            out.write(frame);
            if (!lock.hasQueuedThreads()) {
                out.flush();
            }
            return true;
        } catch (IOException e) {
            failed = markClosed();
            return false;
        } finally {
            if (trackStalls) {
                writingSince = 0;
            }
            lock.unlock();
            if (failed) {
                onClosed.run();
            }
        }
    }

    /** Flushes whatever is buffered; used once at the end of a session. */
    void flush() {
        if (closed) {
            return;
        }
        boolean failed = false;
        lock.lock();
        try {
            out.flush();
        } catch (IOException e) {
            failed = markClosed();
        } finally {
            lock.unlock();
            if (failed) {
                onClosed.run();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    private boolean markClosed() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }
}
