package dev.molt.accel.client.internal;

import java.io.IOException;

/**
 * Opens {@link Connection}s to workers: a child process over stdio, an in-memory worker, and later
 * Unix or TCP sockets. Thread-safe; every connection it opens is owned (and released) by the caller.
 */
public interface Transport {

    /** Opens a new connection; blocking work, run on the lifecycle executor. */
    Connection open() throws IOException;

    /** Where the connections go, for logs ("bundled Java worker: java -cp ..."). */
    String describe();

    /** A short name of the kind of worker, for the "ready" log line. */
    default String source() {
        return describe();
    }
}
