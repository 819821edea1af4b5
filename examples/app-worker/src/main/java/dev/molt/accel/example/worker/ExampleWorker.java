package dev.molt.accel.example.worker;

import dev.molt.accel.worker.MoltWorker;

/**
 * The example application's worker process: {@code molt.accel.worker.main-class} names this class,
 * and the starter runs its {@code main} with the application's JVM and class path. It can also run
 * from this module's own class path (the lean form: {@code java -cp <this jar and its dependencies>
 * dev.molt.accel.example.worker.ExampleWorker}), which loads nothing of Spring. Not instantiable.
 */
public final class ExampleWorker {

    private ExampleWorker() {
    }

    /** Serves the exports on stdin/stdout until stdin ends ({@code --help} lists the options). */
    public static void main(String[] args) {
        MoltWorker.runAndExit(args, b -> b.export(TextExports.wordStats()));
    }
}
