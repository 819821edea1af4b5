package dev.molt.accel.client;

import dev.molt.accel.client.internal.Connection;
import dev.molt.accel.client.internal.ProcessConnection;
import dev.molt.accel.client.internal.ProcessTree;
import dev.molt.accel.client.internal.Transport;
import java.io.IOException;

/** Workers as child processes over stdio, started from the resolved worker command. Thread-safe. */
final class StdioTransport implements Transport {

    private final WorkerLauncher launcher;

    StdioTransport(WorkerLauncher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Connection open() throws IOException {
        String marker = ProcessTree.newMarker();
        return ProcessConnection.of(launcher.start(marker), launcher.ownSession(), marker);
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
