package dev.molt.accel.worker;

import java.nio.file.Path;
import java.util.Map;

/**
 * The parsed {@code molt-worker} command line and environment. Parsed by hand: the worker depends
 * on the protocol module only.
 *
 * @param threads {@code --threads}, else {@code MOLT_WORKER_THREADS}, else {@code null}
 * @param maxQueue {@code --max-queue}, else {@code MOLT_WORKER_MAX_QUEUE}, else {@code null}
 * @param exports {@code --exports}, or {@code null}
 * @param compiledExports {@code --compiled-exports} (accepted, ignored), or {@code null}
 */
record WorkerCommandLine(Integer threads, Integer maxQueue, Path exports, Path compiledExports, boolean help,
        boolean version) {

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: molt-worker [--stdio] [--exports PATH] [--compiled-exports PATH]",
            "                   [--threads N] [--max-queue N] [-h|--help] [-V|--version]",
            "",
            "Serves the Molt worker protocol: length-prefixed request frames on stdin,",
            "response frames on stdout, logs on stderr. Exits 0 when stdin ends.",
            "Serves exactly the exports it implements; see --exports.",
            "",
            "  --stdio                  serve on stdin/stdout (the default and only transport)",
            "  --exports PATH           exports manifest (JSON) setting the codecs of the entries it lists;",
            "                           every entry must be implemented, else the worker exits 2",
            "  --compiled-exports PATH  accepted for compatibility with the native molt-worker; ignored",
            "  --threads N              worker threads (env MOLT_WORKER_THREADS; default: available",
            "                           processors, as exports are CPU work)",
            "  --max-queue N            requests that may wait before new ones get Busy (env",
            "                           MOLT_WORKER_MAX_QUEUE; default " + MoltWorker.DEFAULT_MAX_QUEUE + ": enough to absorb a web",
            "                           tier's concurrency, e.g. 200 Tomcat threads; a request waits",
            "                           no longer than its deadline)",
            "  -h, --help               print this help and exit",
            "  -V, --version            print the version and exit",
            "",
            "Environment: MOLT_WORKER_THREADS, MOLT_WORKER_MAX_QUEUE, MOLT_FAKE_DB_DELAY_MS,",
            "MOLT_FAKE_DB_DECODE_US_PER_ROW, MOLT_FAKE_DB_CPU_ITERS (demo exports).",
            "");

    /**
     * Parses arguments ({@code --name value} or {@code --name=value}) over the environment.
     *
     * @throws IllegalArgumentException with a message for the user when an argument or variable is bad
     */
    static WorkerCommandLine parse(String[] args, Map<String, String> env) {
        Integer threads = envInt(env, "MOLT_WORKER_THREADS", 1);
        Integer maxQueue = envInt(env, "MOLT_WORKER_MAX_QUEUE", 0);
        Path exports = null;
        Path compiled = null;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (name) {
                case "--stdio" -> noValue(name, inline);
                case "-h", "--help" -> {
                    noValue(name, inline);
                    help = true;
                }
                case "-V", "--version" -> {
                    noValue(name, inline);
                    version = true;
                }
                case "--exports", "--compiled-exports", "--threads", "--max-queue" -> {
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
                        default -> maxQueue = integer(name, value, 0);
                    }
                }
                default -> throw new IllegalArgumentException(arg.startsWith("-")
                        ? "Unknown option " + arg : "Unexpected argument '" + arg + "'");
            }
        }
        return new WorkerCommandLine(threads, maxQueue, exports, compiled, help, version);
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

    private static Integer envInt(Map<String, String> env, String name, int min) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        return integer(name, v, min);
    }

    private static int integer(String name, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer >= " + min + ", got '" + value + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + n);
        }
        return n;
    }
}
