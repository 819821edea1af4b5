package dev.molt.accel.cli;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.EnvironmentSettings;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.Wire;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code molt-accel} command: {@code ping}, {@code call}, {@code load} and {@code exports} against any worker
 * that speaks the Molt stdio protocol.
 *
 * <p>The worker command is {@code --worker-cmd}, else {@code MOLT_WORKER_CMD}, else a
 * {@code molt-worker} executable on {@code PATH}, else the bundled Java worker (this jar's class
 * path). The other variables of PROTOCOL.md section 10 are honoured as the client library honours
 * them; options given on the command line win.
 *
 * <p>Exit codes: {@link ExitCodes}. Not thread-safe: one instance per command line.
 */
@Command(name = "molt-accel",
        mixinStandardHelpOptions = true,
        versionProvider = MoltAccelCli.Version.class,
        description = "Talk to a Molt worker process: ping it, call an export, or put load on it.",
        subcommands = {PingCommand.class, CallCommand.class, LoadCommand.class, ExportsCommand.class,
            CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  success",
            "  1  unexpected failure",
            "  2  bad command line or input (invalid JSON, unknown codec, ...)",
            "  3  MoltInvalidInput       4  MoltBusy           5  MoltTimeout",
            "  6  MoltCancelled          7  MoltInternalError  8  MoltProtocolError",
            "  9  MoltWorkerUnavailable",
            "",
            "Environment: MOLT_WORKER_CMD, MOLT_WORKER_WIRE / MOLT_WIRE, MOLT_ACCEL_POOL_SIZE,",
            "MOLT_ACCEL_RETRY_* (see PROTOCOL.md section 10)."})
public final class MoltAccelCli implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--worker-cmd", scope = ScopeType.INHERIT, paramLabel = "CMD",
            description = "Worker command line, split like a shell does (white space; '...', \"...\" and \\ quote), "
                    + "never run by one (default: MOLT_WORKER_CMD, else molt-worker on PATH, else the bundled Java worker).")
    String workerCmd;

    @Option(names = "--worker-arg", scope = ScopeType.INHERIT, paramLabel = "ARG",
            description = "One more argument of the worker command, taken as is (spaces and quotes included); "
                    + "repeatable; appended to --worker-cmd, else to MOLT_WORKER_CMD.")
    java.util.List<String> workerArgs;

    @Option(names = "--wire", scope = ScopeType.INHERIT, paramLabel = "msgpack|json",
            converter = Converters.WireConverter.class,
            description = "Envelope wire (default: MOLT_WORKER_WIRE, else MOLT_WIRE, else msgpack).")
    Wire wire;

    @Option(names = "--timeout-ms", scope = ScopeType.INHERIT, paramLabel = "MS",
            description = "Deadline of each call in milliseconds, also sent to the worker; 0 = none "
                    + "(default: 5000 for ping, 10000 for call, 250 for load).")
    Long timeoutMs;

    @Option(names = "--pool-size", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Worker processes (default: MOLT_ACCEL_POOL_SIZE, else 1).")
    Integer poolSize;

    @Option(names = "--endpoint", scope = ScopeType.INHERIT, paramLabel = "ADDRESS",
            description = "A running worker instead of a child process: unix:/path, tcp://host:port or "
                    + "tls://host:port; repeatable (a pool over all, one connection per address of each name).")
    java.util.List<String> endpoints;

    @Option(names = "--tls-ca", scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "CA certificates that tls:// workers must be signed by (default: the JVM's trust store).")
    java.nio.file.Path tlsCa;

    @Option(names = "--tls-cert", scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "Client certificate chain for mutual TLS (with --tls-key).")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "Unencrypted PKCS#8 private key of --tls-cert.")
    java.nio.file.Path tlsKey;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log the client's and the worker's INFO lines to stderr.")
    boolean verbose;

    private final Map<String, String> environment;

    /** A command reading its defaults from {@code environment} (normally {@link System#getenv()}). */
    public MoltAccelCli(Map<String, String> environment) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    }

    public static void main(String[] args) {
        if (hasVerboseFlag(args)) {
            // slf4j-simple reads its level once, when the first logger is created
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /**
     * A ready-to-run command line: picocli parsing plus the exit-code mapping and error printing
     * of this tool. Output goes to {@link CommandLine#getOut()} / {@link CommandLine#getErr()},
     * which callers may replace.
     */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine cl = new CommandLine(new MoltAccelCli(environment));
        cl.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(System.err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler(ExitCodes::handleParameterException);
        cl.setExecutionExceptionHandler(ExitCodes::handleExecutionException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: ping, call, load or exports");
    }

    /** A client configured from the environment, then from the global options. The caller closes it. */
    MoltClient buildClient() {
        MoltClientBuilder b = MoltClient.builder().name("molt-accel-cli");
        try {
            b.environmentDefaults(environment);
        } catch (IllegalArgumentException e) {
            throw usage("Invalid environment: " + e.getMessage());
        }
        java.util.List<String> command = workerCommand();
        if (command != null) {
            b.command(command);
        }
        if (wire != null) {
            b.wire(wire);
        }
        if (endpoints != null && !endpoints.isEmpty()) {
            try {
                b.endpoints(endpoints);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        if (tlsCa != null || tlsCert != null || tlsKey != null) {
            try {
                b.sslContext(PemTls.context(tlsCa, tlsCert, tlsKey));
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        if (poolSize != null) {
            if (poolSize < 1) {
                throw usage("--pool-size must be at least 1, got " + poolSize);
            }
            b.poolSize(poolSize);
        }
        return b.build();
    }

    /**
     * The worker command of {@code --worker-cmd} (split like a shell) and {@code --worker-arg}, or
     * {@code null} when neither is given.
     */
    java.util.List<String> workerCommand() {
        boolean hasArgs = workerArgs != null && !workerArgs.isEmpty();
        if (workerCmd == null && !hasArgs) {
            return null;
        }
        java.util.List<String> command = new java.util.ArrayList<>();
        if (workerCmd != null) {
            try {
                command.addAll(CommandLineSplitter.split(workerCmd));
            } catch (IllegalArgumentException e) {
                throw usage("Invalid --worker-cmd: " + e.getMessage());
            }
        } else {
            String env = environment.get("MOLT_WORKER_CMD");
            if (env == null || env.isBlank()) {
                throw usage("--worker-arg needs --worker-cmd (or MOLT_WORKER_CMD)");
            }
            // PROTOCOL.md section 10: the variable is split on white space (no quotes)
            if (env.length() > CommandLineSplitter.MAX_CHARS) {
                throw usage("MOLT_WORKER_CMD is longer than " + CommandLineSplitter.MAX_CHARS + " characters");
            }
            int start = -1;
            for (int i = 0; i <= env.length(); i++) {
                boolean space = i == env.length() || Character.isWhitespace(env.charAt(i));
                if (!space && start < 0) {
                    start = i;
                } else if (space && start >= 0) {
                    command.add(env.substring(start, i));
                    start = -1;
                }
            }
        }
        if (hasArgs) {
            if (command.size() + workerArgs.size() > CommandLineSplitter.MAX_ARGS) {
                throw usage("The worker command has more than " + CommandLineSplitter.MAX_ARGS + " arguments");
            }
            command.addAll(workerArgs);
        }
        return command;
    }

    /**
     * Call options from the environment's retry settings and {@code --timeout-ms} (else
     * {@code defaultTimeoutMs}); the caller sets the codec.
     */
    CallOptions.Builder callOptions(long defaultTimeoutMs) {
        long t = timeoutMsOr(defaultTimeoutMs);
        CallOptions.Builder o = CallOptions.builder();
        try {
            EnvironmentSettings.parse(environment).applyTo(o);
        } catch (IllegalArgumentException e) {
            throw usage("Invalid environment: " + e.getMessage());
        }
        return o.timeoutMs(t);
    }

    /** {@code --timeout-ms}, else {@code fallback}; validated against the protocol's u32 field. */
    long timeoutMsOr(long fallback) {
        long t = timeoutMs != null ? timeoutMs : fallback;
        if (t < 0 || t > RequestEnvelope.MAX_TIMEOUT_MS) {
            throw usage("--timeout-ms must be within 0.." + RequestEnvelope.MAX_TIMEOUT_MS + ", got " + t);
        }
        return t;
    }

    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    static boolean hasVerboseFlag(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("-v") || a.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** Prints the version of this jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = MoltAccelCli.class.getPackage().getImplementationVersion();
            return new String[] {"molt-accel " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
