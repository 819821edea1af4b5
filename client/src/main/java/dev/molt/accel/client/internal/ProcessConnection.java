package dev.molt.accel.client.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker child process as a {@link Connection}: frames over its stdin and stdout, its stderr
 * drained in bounded chunks into the log, its whole process tree (the processes carrying its
 * environment marker, or its session) ended by {@link #terminate()} and {@link #kill()}. Thread-safe.
 */
public final class ProcessConnection implements Connection {

    private static final Logger workerLog = LoggerFactory.getLogger("dev.molt.accel.worker.stderr");

    private final Process process;
    private final ProcessTree tree;
    private final StderrDrainer drainer;

    private ProcessConnection(Process process, boolean ownSession, String marker, Logger stderrLog) {
        this.process = process;
        this.tree = ProcessTree.of(process, ownSession, marker);
        this.drainer = StderrDrainer.start(process.getErrorStream(), "molt-accel-stderr-" + process.pid(), stderrLog,
                "[worker " + process.pid() + "] ");
    }

    /** Wraps a started process; {@code ownSession}: it was started through {@link ProcessTree#sessionLeaderCommand}. */
    public static ProcessConnection of(Process process, boolean ownSession) {
        return new ProcessConnection(process, ownSession, null, workerLog);
    }

    /**
     * Wraps a started process whose environment holds {@link ProcessTree#MARKER_VARIABLE}{@code =marker}
     * (or {@code null}: no marker); see {@link ProcessTree#of(Process, boolean, String)}.
     */
    public static ProcessConnection of(Process process, boolean ownSession, String marker) {
        return new ProcessConnection(process, ownSession, marker, workerLog);
    }

    /** {@link #of(Process, boolean, String)} with its stderr lines logged to {@code stderrLog}. */
    public static ProcessConnection of(Process process, boolean ownSession, String marker, Logger stderrLog) {
        return new ProcessConnection(process, ownSession, marker, stderrLog);
    }

    @Override
    public boolean isProcess() {
        return true;
    }

    @Override
    public long id() {
        return process.pid();
    }

    @Override
    public InputStream input() {
        return process.getInputStream();
    }

    @Override
    public OutputStream output() {
        return process.getOutputStream();
    }

    @Override
    public CompletableFuture<?> onPeerExit() {
        return tree.onLeaderExit();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public Integer awaitExit(long millis) {
        try {
            if (process.waitFor(millis, TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    @Override
    public void terminate() {
        tree.terminate();
    }

    @Override
    public void kill() {
        tree.kill();
    }

    @Override
    public boolean killAndWait(long millis) {
        return !tree.anyAlive() || tree.killAndWait(Duration.ofMillis(millis));
    }

    @Override
    public List<String> diagnostics() {
        return drainer.tail();
    }

    @Override
    public void release() {
        closeQuietly(process.getOutputStream());
        closeQuietly(process.getInputStream());
        drainer.close();
    }

    /** Remembers the tree's members while the worker lives: without a session of its own this is how a grandchild stays owned. */
    @Override
    public void ready() {
        tree.members();
    }

    @Override
    public List<Thread> threads() {
        return List.of(drainer.thread());
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already broken: nothing to release
        }
    }

    @Override
    public String toString() {
        return "process " + process.pid();
    }
}
