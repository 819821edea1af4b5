package dev.molt.accel.bench.http;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of a run of the packaged demo that its launcher script passes first ({@code --jar},
 * {@code --results}, {@code --logs}) and a user may give again after them, with the application's
 * JVM options and {@code --no-write}: a picocli mixin of the commands that start the demo jar.
 */
public final class DemoJarOptions {

    @Option(names = "--app-java-opts", defaultValue = "", description = "JVM options of the demo application (split on white space)")
    String appJavaOpts;

    @Option(names = "--jar", defaultValue = "demo/target/molt-accel-demo.jar", description = "the demo jar")
    Path jar;

    @Option(names = "--results", defaultValue = "bench/results", description = "where results go")
    Path results;

    @Option(names = "--logs", description = "where the application's log goes (default: the temporary directory)")
    Path logs = Path.of(System.getProperty("java.io.tmpdir"), "molt-bench-logs");

    @Option(names = "--no-write", description = "print the summary only")
    boolean noWrite;

    /** The application's JVM options. */
    List<String> appJavaOptions() {
        return split(appJavaOpts);
    }

    /** Options given as one string, split on white space. */
    static List<String> split(String options) {
        return options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
    }

    /** The command line of {@code command}: options given after the launcher's win over them. */
    static CommandLine commandLine(Object command) {
        return new CommandLine(command).setOverwrittenOptionsAllowed(true);
    }
}
