package dev.molt.accel.client.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workers served inside this JVM: each connection runs {@code server} (for example
 * {@code (in, out) -> worker.serve(in, out)} of a {@code MoltWorker}) on its own daemon thread
 * named {@code molt-accel-inmemory-<n>}, over two bounded in-memory pipes. The engine sees the same
 * frames as over a child's stdio, without a process start: tests run in milliseconds. Killing a
 * connection breaks both pipes, which fails the server's reads and writes. Thread-safe.
 */
public final class InMemoryTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(InMemoryTransport.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final int PIPE_BYTES = 64 * 1024;

    private final BiConsumer<InputStream, OutputStream> server;
    private final String name;

    /** {@code server} serves one connection: it reads requests from its input until EOF and then returns. */
    public InMemoryTransport(String name, BiConsumer<InputStream, OutputStream> server) {
        this.name = name;
        this.server = server;
    }

    @Override
    public Connection open() {
        return new InMemoryConnection(IDS.incrementAndGet());
    }

    @Override
    public String describe() {
        return "in-memory worker " + name;
    }

    private final class InMemoryConnection extends FutureExitConnection {
        private final long id;
        private final BytePipe requests = new BytePipe(PIPE_BYTES);
        private final BytePipe responses = new BytePipe(PIPE_BYTES);
        private final Thread thread;

        InMemoryConnection(long id) {
            this.id = id;
            this.thread = new Thread(this::serve, "molt-accel-inmemory-" + id);
            this.thread.setDaemon(true);
            this.thread.start();
        }

        private void serve() {
            int code = 0;
            try {
                server.accept(requests.in, responses.out);
            } catch (RuntimeException e) {
                log.warn("In-memory worker {} failed", id, e);
                code = 1;
            } finally {
                responses.closeWriter();
                exit.complete(code);
            }
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public InputStream input() {
            return responses.in;
        }

        @Override
        public OutputStream output() {
            return requests.out;
        }

        @Override
        public void terminate() {
            requests.closeWriter();
        }

        @Override
        public void kill() {
            requests.breakPipe();
            responses.breakPipe();
        }

        @Override
        public boolean killAndWait(long millis) {
            if (isAlive()) {
                kill();
            }
            return awaitExit(millis) != null || !isAlive();
        }

        @Override
        public List<String> diagnostics() {
            return List.of();
        }

        @Override
        public void release() {
            requests.closeWriter();
            responses.closeReader();
        }

        @Override
        public List<Thread> threads() {
            return List.of(thread);
        }

        @Override
        public String toString() {
            return "in-memory worker " + id;
        }
    }
}
