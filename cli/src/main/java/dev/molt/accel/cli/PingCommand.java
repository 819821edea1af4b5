package dev.molt.accel.cli;

import dev.molt.accel.client.ClientStats;
import dev.molt.accel.client.MoltClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code molt-accel ping}: start the worker(s), send {@code __ping__}, print the round trips. */
@Command(name = "ping", mixinStandardHelpOptions = true,
        description = "Start the worker(s), wait for readiness, send __ping__ to each and print the round trip.")
final class PingCommand implements Callable<Integer> {

    /** Deadline of each ping when {@code --timeout-ms} is absent. */
    static final long DEFAULT_TIMEOUT_MS = 5_000;

    @ParentCommand
    MoltAccelCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "1",
            description = "Pings to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() {
        if (count < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--count must be at least 1, got " + count);
        }
        Duration timeout = Duration.ofMillis(cli.timeoutMsOr(DEFAULT_TIMEOUT_MS));
        PrintWriter out = spec.commandLine().getOut();
        try (MoltClient client = cli.buildClient()) {
            long t0 = System.nanoTime();
            client.start();
            long startNanos = System.nanoTime() - t0;
            ClientStats stats = client.stats();
            out.printf(Locale.ROOT, "worker ready in %.1f ms (%d process%s, pid %s)%n", startNanos / 1e6,
                    stats.workers(), stats.workers() == 1 ? "" : "es", joinPids(stats));
            long[] rtt = new long[count];
            for (int i = 0; i < count; i++) {
                long s = System.nanoTime();
                client.ping(timeout);
                rtt[i] = System.nanoTime() - s;
                out.printf(Locale.ROOT, "pong %d: %.3f ms%n", i + 1, rtt[i] / 1e6);
            }
            if (count > 1) {
                long[] sorted = rtt.clone();
                Arrays.sort(sorted);
                out.printf(Locale.ROOT, "round trip: min %.3f ms, median %.3f ms, max %.3f ms (%d pings)%n",
                        sorted[0] / 1e6, sorted[(sorted.length - 1) / 2] / 1e6, sorted[sorted.length - 1] / 1e6, count);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static String joinPids(ClientStats stats) {
        StringBuilder sb = new StringBuilder();
        for (Long pid : stats.pids()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(pid);
        }
        return sb.toString();
    }
}
