package dev.molt.accel.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parsed {@code molt-worker} command line and environment. Parsed by hand: the worker depends
 * on the protocol module only. Every option has an environment variable ({@code --max-queue} is
 * {@code MOLT_WORKER_MAX_QUEUE}); the command line wins, and {@code --listen} replaces the
 * addresses of {@code MOLT_WORKER_LISTEN} instead of adding to them.
 *
 * @param threads {@code --threads}, else {@code MOLT_WORKER_THREADS}, else {@code null}
 * @param maxQueue {@code --max-queue}, else {@code MOLT_WORKER_MAX_QUEUE}, else {@code null}
 * @param exports {@code --exports}, or {@code null}
 * @param compiledExports {@code --compiled-exports} (accepted, ignored), or {@code null}
 * @param stdio whether {@code --stdio} was given (stdio is also served when nothing is listened on)
 * @param listen {@code --listen} addresses (comma-separated in {@code MOLT_WORKER_LISTEN})
 * @param socketMode {@code --socket-mode} as given, or {@code null}
 * @param maxConnections, maxInFlightPerConnection, idleTimeout, drainTimeout {@code null} when not set
 * @param probe {@code --probe ADDRESS}: check a running worker instead of serving, or {@code null}
 * @param warmup {@code --warmup} or {@code MOLT_WORKER_WARMUP=1}: run the exports' samples before serving
 * @param requestLog {@code --request-log json} or {@code MOLT_WORKER_REQUEST_LOG=json}: a JSON line per
 *     request on stderr ({@code off} or unset: none)
 */
record WorkerCommandLine(Integer threads, Integer maxQueue, Path exports, Path compiledExports, boolean help,
        boolean version, boolean stdio, List<String> listen, Path tlsCert, Path tlsKey, Path tlsClientCa,
        boolean allowPlaintext, String socketMode, Integer maxConnections, Integer maxInFlightPerConnection,
        Duration idleTimeout, Duration drainTimeout, String probe, Duration probeTimeout, boolean warmup,
        boolean requestLog) {

    static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: molt-worker [--stdio] [--listen ADDRESS]... [options]",
            "       molt-worker --probe ADDRESS [--probe-timeout T] [--tls-cert PEM --tls-key PEM] [--tls-client-ca PEM]",
            "",
            "Serves the Molt worker protocol: length-prefixed frames on stdin/stdout (the default),",
            "and/or on sockets, one independent session per connection; logs on stderr.",
            "With stdio it exits 0 when stdin ends; with --listen only, on SIGTERM after draining.",
            "Serves exactly the exports it implements; see --exports.",
            "",
            "  --stdio                  serve on stdin/stdout (the default when nothing is listened on)",
            "  --listen ADDRESS         also/instead listen on unix:/path.sock, tcp://host:port or",
            "                           tls://host:port (repeatable; port 0 picks a free port; each bound",
            "                           address is printed as 'molt-worker: listening on ADDRESS')",
            "  --tls-cert PEM           certificate chain for tls:// (PEM)",
            "  --tls-key PEM            its private key (PEM, unencrypted PKCS#8 'BEGIN PRIVATE KEY'",
            "                           or 'BEGIN RSA PRIVATE KEY')",
            "  --tls-client-ca PEM      require client certificates signed by this CA (mutual TLS)",
            "  --allow-plaintext        allow tcp:// on a non-loopback address (only behind a mesh",
            "                           that adds mTLS); without it such an address exits 2",
            "  --socket-mode MODE       Unix socket file mode, octal (default " + SocketOptions.DEFAULT_SOCKET_MODE + ")",
            "  --max-connections N      connections at once; more are closed (default "
                    + SocketOptions.DEFAULT_MAX_CONNECTIONS + ")",
            "  --max-in-flight-per-connection N",
            "                           requests one connection may have at once; more get Busy",
            "                           (default " + SocketOptions.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION + "; 0 = no cap)",
            "  --idle-timeout T         close a connection idle this long (default 5m; 0 = never)",
            "  --drain-timeout T        on SIGTERM or end of stdin, wait this long for requests in",
            "                           flight (default 25s, below Kubernetes' 30s grace period)",
            "  --probe ADDRESS          connect, send __ping__, exit 0 on an Ok answer, else 1",
            "  --probe-timeout T        how long the probe waits (default 1s)",
            "  --exports PATH           exports manifest (JSON) setting the codecs of the entries it lists;",
            "                           every entry must be implemented, else the worker exits 2",
            "  --compiled-exports PATH  accepted for compatibility with the native molt-worker; ignored",
            "  --warmup                 run each export's sample request (decode, handler, encode) up",
            "                           to 50 times, at most 1 s in all, before serving: the first",
            "                           real call then finds a warm JVM",
            "  --request-log json       write one JSON line per request to stderr: request id, entry,",
            "                           status, queue_us, exec_us, trace id and parent id of its",
            "                           traceparent (default off)",
            "  --threads N              worker threads (default: available processors, as exports are",
            "                           CPU work)",
            "  --max-queue N            requests that may wait before new ones get Busy, across all",
            "                           connections (default " + MoltWorker.DEFAULT_MAX_QUEUE + ": enough to absorb a web tier's",
            "                           concurrency, e.g. 200 Tomcat threads; a request waits no longer",
            "                           than its deadline)",
            "  -h, --help               print this help and exit",
            "  -V, --version            print the version and exit",
            "",
            "Times: 500ms, 25s, 5m, or plain seconds. Security defaults: Unix sockets 0600, plaintext",
            "TCP on loopback only, TLS 1.3/1.2 from the JDK, client certificates with --tls-client-ca.",
            "",
            "Environment (the command line wins): MOLT_WORKER_LISTEN (comma-separated),",
            "MOLT_WORKER_TLS_CERT, MOLT_WORKER_TLS_KEY, MOLT_WORKER_TLS_CLIENT_CA,",
            "MOLT_WORKER_ALLOW_PLAINTEXT (true/false), MOLT_WORKER_SOCKET_MODE, MOLT_WORKER_MAX_CONNECTIONS,",
            "MOLT_WORKER_MAX_IN_FLIGHT_PER_CONNECTION, MOLT_WORKER_IDLE_TIMEOUT, MOLT_WORKER_DRAIN_TIMEOUT,",
            "MOLT_WORKER_THREADS, MOLT_WORKER_MAX_QUEUE, MOLT_WORKER_WARMUP (1/0), MOLT_WORKER_REQUEST_LOG (json/off);",
            "demo exports: MOLT_FAKE_DB_DELAY_MS,",
            "MOLT_FAKE_DB_DECODE_US_PER_ROW, MOLT_FAKE_DB_CPU_ITERS.",
            "");

    private static final List<String> WITH_VALUE = List.of("--exports", "--compiled-exports", "--threads",
            "--max-queue", "--listen", "--tls-cert", "--tls-key", "--tls-client-ca", "--socket-mode",
            "--max-connections", "--max-in-flight-per-connection", "--idle-timeout", "--drain-timeout", "--probe",
            "--probe-timeout", "--request-log");

    /**
     * Parses arguments ({@code --name value} or {@code --name=value}) over the environment.
     *
     * @throws IllegalArgumentException with a message for the user when an argument or variable is bad
     */
    static WorkerCommandLine parse(String[] args, Map<String, String> env) {
        Integer threads = envInt(env, "MOLT_WORKER_THREADS", 1);
        Integer maxQueue = envInt(env, "MOLT_WORKER_MAX_QUEUE", 0);
        List<String> envListen = split(env.get("MOLT_WORKER_LISTEN"));
        List<String> listen = new ArrayList<>();
        Path tlsCert = envPath(env, "MOLT_WORKER_TLS_CERT");
        Path tlsKey = envPath(env, "MOLT_WORKER_TLS_KEY");
        Path tlsClientCa = envPath(env, "MOLT_WORKER_TLS_CLIENT_CA");
        boolean allowPlaintext = envBoolean(env, "MOLT_WORKER_ALLOW_PLAINTEXT");
        String socketMode = blankToNull(env.get("MOLT_WORKER_SOCKET_MODE"));
        Integer maxConnections = envInt(env, "MOLT_WORKER_MAX_CONNECTIONS", 1);
        Integer maxInFlight = envInt(env, "MOLT_WORKER_MAX_IN_FLIGHT_PER_CONNECTION", 0);
        Duration idle = envDuration(env, "MOLT_WORKER_IDLE_TIMEOUT");
        Duration drain = envDuration(env, "MOLT_WORKER_DRAIN_TIMEOUT");
        Path exports = null;
        Path compiled = null;
        String probe = null;
        Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;
        boolean help = false;
        boolean version = false;
        boolean stdio = false;
        boolean warmup = envBoolean(env, "MOLT_WORKER_WARMUP");
        boolean requestLog = requestLogMode("MOLT_WORKER_REQUEST_LOG", env.get("MOLT_WORKER_REQUEST_LOG"));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (WITH_VALUE.contains(name)) {
                String value = inline;
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("Option " + name + " needs a value");
                    }
                    value = args[++i];
                }
                switch (name) {
                    case "--exports" -> exports = path(name, value);
                    case "--compiled-exports" -> compiled = path(name, value);
                    case "--threads" -> threads = integer(name, value, 1);
                    case "--max-queue" -> maxQueue = integer(name, value, 0);
                    case "--listen" -> listen.add(checked(name, value));
                    case "--tls-cert" -> tlsCert = path(name, value);
                    case "--tls-key" -> tlsKey = path(name, value);
                    case "--tls-client-ca" -> tlsClientCa = path(name, value);
                    case "--socket-mode" -> socketMode = value;
                    case "--max-connections" -> maxConnections = integer(name, value, 1);
                    case "--max-in-flight-per-connection" -> maxInFlight = integer(name, value, 0);
                    case "--idle-timeout" -> idle = duration(name, value);
                    case "--drain-timeout" -> drain = duration(name, value);
                    case "--probe" -> probe = checked(name, value);
                    case "--request-log" -> requestLog = requestLogMode(name, value);
                    default -> probeTimeout = duration(name, value);
                }
                continue;
            }
            switch (name) {
                case "--stdio" -> {
                    noValue(name, inline);
                    stdio = true;
                }
                case "--warmup" -> {
                    noValue(name, inline);
                    warmup = true;
                }
                case "--allow-plaintext" -> {
                    noValue(name, inline);
                    allowPlaintext = true;
                }
                case "-h", "--help" -> {
                    noValue(name, inline);
                    help = true;
                }
                case "-V", "--version" -> {
                    noValue(name, inline);
                    version = true;
                }
                default -> throw new IllegalArgumentException(arg.startsWith("-")
                        ? "Unknown option " + MoltWorker.printable(arg, 64)
                        : "Unexpected argument '" + MoltWorker.printable(arg, 64) + "'");
            }
        }
        if (listen.isEmpty()) {
            for (String a : envListen) {
                listen.add(checked("MOLT_WORKER_LISTEN", a));
            }
        }
        if (socketMode != null) {
            SocketOptions.parseMode(socketMode);
        }
        return new WorkerCommandLine(threads, maxQueue, exports, compiled, help, version, stdio, List.copyOf(listen),
                tlsCert, tlsKey, tlsClientCa, allowPlaintext, socketMode, maxConnections, maxInFlight, idle, drain,
                probe, probeTimeout, warmup, requestLog);
    }

    /** {@code json}: on; {@code off} or unset: off. */
    private static boolean requestLogMode(String name, String value) {
        String v = blankToNull(value);
        if (v == null || v.equalsIgnoreCase("off")) {
            return false;
        }
        if (v.equalsIgnoreCase("json")) {
            return true;
        }
        throw new IllegalArgumentException(name + " must be json or off, got '" + MoltWorker.printable(v, 16) + "'");
    }

    /** Whether stdio is served: asked for, or nothing to listen on. */
    boolean servesStdio() {
        return stdio || listen.isEmpty();
    }

    private static String checked(String name, String address) {
        try {
            ListenAddress.parse(address);
            return address.trim();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    private static List<String> split(String v) {
        List<String> out = new ArrayList<>();
        if (v == null || v.isBlank()) {
            return out;
        }
        for (String part : v.split(",", 64)) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    private static void noValue(String name, String inline) {
        if (inline != null) {
            throw new IllegalArgumentException("Option " + name + " takes no value");
        }
    }

    private static Path path(String name, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("Option " + name + " needs a path");
        }
        return Path.of(value);
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static Path envPath(Map<String, String> env, String name) {
        String v = blankToNull(env.get(name));
        return v == null ? null : Path.of(v);
    }

    private static boolean envBoolean(Map<String, String> env, String name) {
        String v = blankToNull(env.get(name));
        if (v == null || v.equalsIgnoreCase("false") || v.equals("0")) {
            return false;
        }
        if (v.equalsIgnoreCase("true") || v.equals("1")) {
            return true;
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + MoltWorker.printable(v, 16) + "'");
    }

    private static Integer envInt(Map<String, String> env, String name, int min) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        return integer(name, v, min);
    }

    private static Duration envDuration(Map<String, String> env, String name) {
        String v = blankToNull(env.get(name));
        return v == null ? null : duration(name, v);
    }

    private static int integer(String name, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer >= " + min + ", got '"
                    + MoltWorker.printable(value, 32) + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + n);
        }
        return n;
    }

    /** {@code 500ms}, {@code 25s}, {@code 5m}, {@code 1h} or plain seconds; at most 9 digits. */
    static Duration duration(String name, String value) {
        String v = value.trim();
        int end = 0;
        while (end < v.length() && end < 10 && Character.isDigit(v.charAt(end))) {
            end++;
        }
        String unit = v.substring(end);
        if (end == 0 || end > 9 || !(unit.isEmpty() || unit.equals("ms") || unit.equals("s") || unit.equals("m")
                || unit.equals("h"))) {
            throw new IllegalArgumentException(name + " must be a time such as 500ms, 25s or 5m, got '"
                    + MoltWorker.printable(value, 32) + "'");
        }
        long n = Long.parseLong(v.substring(0, end));
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
