package dev.molt.accel.client;

import dev.molt.accel.client.internal.Connection;
import dev.molt.accel.client.internal.ProcessConnection;
import dev.molt.accel.client.internal.ProcessTree;
import dev.molt.accel.client.internal.Transport;
import java.io.IOException;

/** Workers as child processes over stdio, started from the resolved worker command. Thread-safe. */
final class StdioTransport implements Transport {

    private final WorkerLauncher launcher;
    private final org.slf4j.Logger stderrLog;

    StdioTransport(WorkerLauncher launcher, String stderrLogger) {
        this.launcher = launcher;
        this.stderrLog = org.slf4j.LoggerFactory.getLogger(stderrLogger);
    }

    @Override
    public Connection open() throws IOException {
        String marker = ProcessTree.newMarker();
        return ProcessConnection.of(launcher.start(marker), launcher.ownSession(), marker, stderrLog);
    }

    @Override
    public String describe() {
        return launcher.toString();
    }

    @Override
    public String source() {
        return launcher.source();
    }
}
