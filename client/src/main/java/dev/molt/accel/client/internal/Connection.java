package dev.molt.accel.client.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One open connection to a worker, as the engine sees it: a byte stream of frames each way, a way
 * to learn that the peer is gone, and bounded ways to end it. The engine owns the framing, the
 * reader thread, the write lock, deadlines and retries; a connection knows nothing of them, so the
 * same engine runs over a child process's stdio, an in-memory worker, and (later) sockets.
 *
 * <p>Implementations are thread-safe. {@link #kill()} must make a read or write blocked on the
 * streams fail or end promptly (for a process: killing it and what it started).
 */
public interface Connection {

    /** An id for logs and stats: the process id of a child process, a sequence number otherwise. */
    long id();

    /**
     * Who the worker is, for stats and traces: the process id of a child process (as text), the
     * endpoint address of a socket ({@code unix:/path}, {@code tcp://host:port}), else the id.
     */
    default String peer() {
        return Long.toString(id());
    }

    /**
     * How messages name the worker at the other end: the process id of a child process, the
     * endpoint of a socket ({@code tcp://10.0.0.7:7000}).
     */
    default String label() {
        return Long.toString(id());
    }

    /** Whether {@link #id()} is the process id of a child process (whose {@code /proc} entry may be read). */
    default boolean isProcess() {
        return false;
    }

    /** Frames from the worker. Read by one reader thread only. */
    InputStream input();

    /** Frames to the worker. Written under the engine's write lock only. */
    OutputStream output();

    /** Completes when the peer has gone (a child process exited), whether or not its output was drained. */
    CompletableFuture<?> onPeerExit();

    /** Whether the peer is still there. */
    boolean isAlive();

    /** The peer's exit code if it ended within {@code millis}, else {@code null} (also when it has none). */
    Integer awaitExit(long millis);

    /** Asks the peer to stop now (SIGTERM to a process tree). Does not wait. */
    void terminate();

    /** Ends the peer now (SIGKILL to a process tree), failing blocked reads and writes. Does not wait. */
    void kill();

    /**
     * Makes sure nothing of the peer is left (a process tree's members included), killing again
     * while any remains, for at most {@code millis}; true when nothing is left.
     */
    boolean killAndWait(long millis);

    /** The last diagnostic lines of the peer (a process's stderr tail), for messages. */
    List<String> diagnostics();

    /** Releases the streams and threads of the connection (never blocking on them). */
    void release();

    /** The worker answered its readiness ping (a process connection notes its tree's members now). */
    default void ready() {
    }

    /** Threads of the connection that the engine joins (bounded) on close, such as a stderr drainer. */
    default List<Thread> threads() {
        return List.of();
    }
}
