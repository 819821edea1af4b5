package dev.molt.accel.client.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection whose peer's end is a future this side completes (an in-memory worker's thread
 * with its exit code, a socket with 0 when the connection ended), rather than a process to wait
 * for. Thread-safe.
 */
abstract class FutureExitConnection implements Connection {

    /** Completed once, with the exit code, when the peer has gone. */
    final CompletableFuture<Integer> exit = new CompletableFuture<>();

    @Override
    public CompletableFuture<?> onPeerExit() {
        return exit;
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    /** The exit code once the peer ended within {@code millis}, else {@code null}. */
    @Override
    public Integer awaitExit(long millis) {
        try {
            return exit.get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }
}
