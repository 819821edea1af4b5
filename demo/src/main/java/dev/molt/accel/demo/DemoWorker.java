package dev.molt.accel.demo;

import dev.molt.accel.worker.MoltWorker;
import dev.molt.accel.worker.demo.DemoExports;

/**
 * The demo's exports served by a worker class of the application's own jar, as
 * {@code molt.accel.worker.main-class=dev.molt.accel.demo.DemoWorker} starts it: with the current
 * JVM and the application's class path, from the executable jar through Spring Boot's launcher.
 * The demo itself starts the bundled worker by default; this class shows (and its packaged-jar test
 * checks) the worker-in-the-same-module shape. Not instantiable.
 */
public final class DemoWorker {

    private DemoWorker() {
    }

    public static void main(String[] args) {
        MoltWorker.runAndExit(args, DemoExports::register);
    }
}
