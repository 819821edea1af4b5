package dev.molt.accel.worker;

import dev.molt.accel.protocol.ExportsManifest;
import dev.molt.accel.worker.demo.DemoExports;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * The bundled {@code molt-worker}: the Java worker runtime serving the demo exports
 * ({@link DemoExports}) on stdin/stdout, and nothing else: without {@code --exports} it serves
 * exactly the exports it implements (the packaged default manifest also lists {@code db_query} and
 * {@code db_exec}, which only a native worker implements); a manifest given with {@code --exports}
 * that lists an entry it does not implement makes it exit 2 with a one-line message naming it. See
 * {@link MoltWorker#run(String[], Consumer)} for the command line; {@code --help} prints it.
 *
 * <p>Exit codes: 0 after stdin ended (or {@code --help} / {@code --version}), 2 for bad arguments
 * or environment, 1 when the worker could not start. Not instantiable; the process owns the standard
 * streams, which stay open until it exits.
 */
public final class MoltWorkerMain {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());

    private MoltWorkerMain() {
    }

    public static void main(String[] args) {
        MoltWorker.runAndExit(args, DemoExports::register);
    }

    static int run(String[] args, Consumer<MoltWorker.Builder> customizer) {
        // Before anything else can print: frames own the real stdout, everything else goes to stderr.
        OutputStream frames = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
        InputStream requests = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 64 * 1024);
        System.setOut(System.err);
        System.setIn(InputStream.nullInputStream());
        PrintStream err = System.err;

        WorkerCommandLine cmd;
        try {
            cmd = WorkerCommandLine.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("molt-worker: " + e.getMessage());
            err.print(WorkerCommandLine.USAGE);
            err.flush();
            return 2;
        }
        if (cmd.help()) {
            err.print(WorkerCommandLine.USAGE);
            err.flush();
            return 0;
        }
        if (cmd.version()) {
            err.println("molt-worker " + MoltWorker.version() + " (molt-accel for Java, protocol ABI 0.1)");
            err.flush();
            return 0;
        }
        if (cmd.probe() != null) {
            return Probe.run(cmd, err);
        }

        MoltWorker worker;
        try {
            MoltWorker.Builder builder = MoltWorker.builder();
            if (customizer != null) {
                customizer.accept(builder);
            }
            if (cmd.threads() != null) {
                builder.threads(cmd.threads());
            }
            if (cmd.maxQueue() != null) {
                builder.maxQueue(cmd.maxQueue());
            }
            applySocketOptions(cmd, builder);
            if (cmd.requestLog()) {
                builder.requestLog(err);
            }
            if (cmd.exports() != null) {
                builder.promisedManifest(ExportsManifest.load(cmd.exports()));
                try {
                    worker = builder.build();
                } catch (IllegalArgumentException e) {
                    err.println("molt-worker: --exports " + cmd.exports() + ": " + e.getMessage());
                    err.flush();
                    return 2;
                }
            } else {
                worker = builder.build();
            }
        } catch (IllegalArgumentException | UncheckedIOException e) {
            err.println("molt-worker: " + e.getMessage());
            err.flush();
            return 2;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "molt-worker could not start: " + e, e);
            return 1;
        }
        if (cmd.compiledExports() != null) {
            LOG.log(Level.DEBUG, "Ignoring --compiled-exports {0}", cmd.compiledExports());
        }
        if (cmd.warmup()) {
            // before the first request is read: the client's readiness __ping__ waits for it
            worker.warmUp();
        }
        if (worker.socketOptions().listen().isEmpty()) {
            LOG.log(Level.INFO, "molt-worker {0} serving {1} on stdio with {2} thread(s), queue {3}",
                    MoltWorker.version(), worker.entries(), worker.threads(), worker.maxQueue());
            worker.serve(requests, frames);
            return 0;
        }
        return serveSockets(worker, cmd.servesStdio(), requests, frames, err);
    }

    private static void applySocketOptions(WorkerCommandLine cmd, MoltWorker.Builder b) {
        if (!cmd.listen().isEmpty()) {
            b.clearListen().listen(cmd.listen().toArray(String[]::new));
        }
        if (cmd.tlsCert() != null || cmd.tlsKey() != null) {
            if (cmd.tlsCert() == null || cmd.tlsKey() == null) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            }
            b.tls(cmd.tlsCert(), cmd.tlsKey());
        }
        if (cmd.tlsClientCa() != null) {
            b.tlsClientCa(cmd.tlsClientCa());
        }
        if (cmd.allowPlaintext()) {
            b.allowPlaintext(true);
        }
        if (cmd.socketMode() != null) {
            b.socketMode(cmd.socketMode());
        }
        if (cmd.maxConnections() != null) {
            b.maxConnections(cmd.maxConnections());
        }
        if (cmd.maxInFlightPerConnection() != null) {
            b.maxInFlightPerConnection(cmd.maxInFlightPerConnection());
        }
        if (cmd.idleTimeout() != null) {
            b.idleTimeout(cmd.idleTimeout());
        }
        if (cmd.drainTimeout() != null) {
            b.drainTimeout(cmd.drainTimeout());
        }
    }

    /**
     * Listens, prints each bound address, then serves stdio too when asked (its end stops
     * everything) or waits for SIGTERM. The JVM ends a SIGTERM with status 143 after its shutdown
     * hooks; the hook here drains the server first and then halts with 0, so that an orderly stop
     * (a Kubernetes rolling update) is not reported as a failure.
     */
    private static int serveSockets(MoltWorker worker, boolean stdio, InputStream requests, OutputStream frames,
            PrintStream err) {
        MoltWorkerServer server;
        try {
            server = worker.start();
        } catch (IllegalArgumentException e) {
            err.println("molt-worker: " + e.getMessage());
            err.flush();
            return 2;
        } catch (java.io.IOException | RuntimeException e) {
            err.println("molt-worker: " + e.getMessage());
            err.flush();
            return 1;
        }
        java.util.concurrent.atomic.AtomicBoolean stoppedByMain = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (stoppedByMain.get()) {
                return;
            }
            // java.util.logging closes its handlers in a hook of its own: say it on stderr directly
            server.shutdown((conns, inFlight) -> {
                err.println("molt-worker: stopping (SIGTERM): " + inFlight + " request(s) in flight on " + conns
                        + " connection(s), waiting up to " + worker.drainTimeout().toMillis() + " ms");
                err.flush();
            });
            err.println("molt-worker: stopped");
            err.flush();
            Runtime.getRuntime().halt(0);
        }, "molt-worker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String a : server.addresses()) {
            err.println("molt-worker: listening on " + a);
        }
        err.flush();
        LOG.log(Level.INFO, "molt-worker {0} serving {1} on {2}{3} with {4} thread(s), queue {5}",
                MoltWorker.version(), worker.entries(), server.addresses(), stdio ? " and stdio" : "",
                worker.threads(), worker.maxQueue());
        if (stdio) {
            server.serveStdio(requests, frames);
            stoppedByMain.set(true);
            server.shutdown();
            return 0;
        }
        while (!server.awaitTermination(java.time.Duration.ofDays(1))) {
            // served until SIGTERM (the hook shuts the server down)
        }
        return 0;
    }
}
