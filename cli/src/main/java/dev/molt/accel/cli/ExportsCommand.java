package dev.molt.accel.cli;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.ServedExports;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code molt-accel exports}: what the worker serves, through {@code __exports__}. */
@Command(name = "exports", mixinStandardHelpOptions = true,
        description = "Ask the worker which exports it serves (__exports__) and print them with their codecs. "
                + "Exit 3 when the worker cannot say (it does not know __exports__).")
final class ExportsCommand implements Callable<Integer> {

    /** Deadline of the question when {@code --timeout-ms} is absent. */
    static final long DEFAULT_TIMEOUT_MS = 10_000;

    @ParentCommand
    MoltAccelCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the manifest as JSON (the worker's answer) instead of one line per export.")
    boolean json;

    @Override
    public Integer call() {
        Duration timeout = Duration.ofMillis(cli.timeoutMsOr(DEFAULT_TIMEOUT_MS));
        PrintWriter out = spec.commandLine().getOut();
        Optional<ServedExports> served;
        try (MoltClient client = cli.buildClient()) {
            served = client.exports(timeout.isZero() ? Duration.ofDays(1) : timeout);
        }
        if (served.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("The worker cannot list its exports: it does not know __exports__ (an older or foreign worker).");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        if (json) {
            out.println(new String(served.get().toJson(), StandardCharsets.UTF_8));
        } else {
            for (ServedExports.Entry e : served.get().entries()) {
                out.println(e.codecIn() == null ? e.name() + "\tany codec"
                        : e.name() + "\t" + e.codecIn().id() + " -> " + (e.codecOut() == null ? e.codecIn() : e.codecOut()).id());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
