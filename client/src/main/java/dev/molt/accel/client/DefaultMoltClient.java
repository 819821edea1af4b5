package dev.molt.accel.client;

/** Holds the constructor the builder uses for a single-process client. */
final class DefaultMoltClient {

    private DefaultMoltClient() {
    }

    static MoltClient create(MoltClientBuilder b, WorkerLauncher launcher) {
        return new ClientCore(b, launcher, 1);
    }
}
