package dev.molt.accel.client;

import dev.molt.accel.client.internal.ProcessTree;
import dev.molt.accel.protocol.ExportsManifest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/** Resolves the worker command once and starts worker processes from it. Thread-safe. */
final class WorkerLauncher {

    /**
     * The garbage collector of a Java worker whose options choose none: the smallest footprint for a
     * process with a few threads and a small live set (the workers' resident memory under the
     * soak's load: about 185 MiB each, against 310 MiB with the JVM's default G1).
     */
    static final String DEFAULT_COLLECTOR = "-XX:+UseSerialGC";

    /** Main class of the bundled Java worker. */
    static final String BUNDLED_MAIN = "dev.molt.accel.worker.MoltWorkerMain";

    private static final String BOOT_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private static volatile Path defaultManifestFile;

    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final String source;
    /** The class-data archive of a Java worker command built here, or {@code null} (another command, or CDS off). */
    private final CdsArchive cds;
    /**
     * A Java worker inside a Spring Boot jar: the jar unpacked into a plain class path, whose command
     * (and archive) replace {@link #command} once it is there; {@code null} otherwise.
     */
    private final Unpacked unpacked;

    /** The Boot jar's unpacked class path and, once it exists, the worker command and archive for it. */
    private static final class Unpacked {
        final BootJarClassPath classPath;
        final String mainClass;
        final List<String> javaOptions;
        final List<String> args;
        final Path cacheDirectory;
        volatile List<String> command;
        volatile CdsArchive cds;

        Unpacked(BootJarClassPath classPath, String mainClass, List<String> javaOptions, List<String> args, Path cacheDirectory) {
            this.classPath = classPath;
            this.mainClass = mainClass;
            this.javaOptions = javaOptions;
            this.args = args;
            this.cacheDirectory = cacheDirectory;
        }
    }

    private WorkerLauncher(List<String> command, Map<String, String> environment, Path workingDirectory,
            String source) {
        this(command, environment, workingDirectory, source, null, null);
    }

    private WorkerLauncher(List<String> command, Map<String, String> environment, Path workingDirectory,
            String source, CdsArchive cds, Unpacked unpacked) {
        this.command = command;
        this.environment = environment;
        this.workingDirectory = workingDirectory;
        this.source = source;
        this.cds = cds;
        this.unpacked = unpacked;
    }

    /** A Java worker's launcher: from the Boot jar unpacked once it is, else from the class path as it is. */
    private static WorkerLauncher java(MoltClientBuilder b, Map<String, String> env, String mainClass, List<String> args,
            String source) {
        // absolute, so that a worker started in another working directory finds the same classes
        String classPath = absoluteClassPath(System.getProperty("java.class.path", ""));
        String bootJar = bootExecutableJar(classPath);
        List<String> command = bundledCommand(mainClass, b.javaOptions, args, classPath, bootJar);
        if (!b.workerCds) {
            return new WorkerLauncher(command, env, b.workingDirectory, source, null, null);
        }
        Path cache = b.cacheDirectory != null ? b.cacheDirectory : CdsArchive.defaultCacheDirectory();
        if (bootJar != null) {
            // the archive is made for the unpacked class path, once it is there
            return new WorkerLauncher(command, env, b.workingDirectory, source, null,
                    new Unpacked(BootJarClassPath.of(cache, Path.of(bootJar)), mainClass, b.javaOptions, args, cache));
        }
        return new WorkerLauncher(command, env, b.workingDirectory, source,
                CdsArchive.of(cache, b.javaOptions, mainClass, classPath), null);
    }

    static WorkerLauncher resolve(MoltClientBuilder b) {
        return resolve(b, b.workerWarmup);
    }

    /** @param warmup whether the bundled worker warms itself up before its first ping ({@code --warmup}) */
    static WorkerLauncher resolve(MoltClientBuilder b, boolean warmup) {
        Map<String, String> env = Map.copyOf(b.environment);
        if (b.command != null) {
            return new WorkerLauncher(b.command, env, b.workingDirectory, "configured command");
        }
        if (b.javaWorker != null) {
            String main = b.javaWorker.get(0);
            return java(b, env, main, b.javaWorker.subList(1, b.javaWorker.size()), "Java worker " + main);
        }
        String fromEnv = b.sourceEnvironment.get("MOLT_WORKER_CMD");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new WorkerLauncher(List.of(fromEnv.trim().split("\\s+")), env, b.workingDirectory, "MOLT_WORKER_CMD");
        }
        Path onPath = findOnPath("molt-worker", b.sourceEnvironment.get("PATH"));
        if (onPath != null) {
            return new WorkerLauncher(List.of(onPath.toString(), "--stdio", "--exports", defaultManifest().toString()),
                    env, b.workingDirectory, "molt-worker on PATH");
        }
        if (bundledWorkerPresent()) {
            List<String> args = warmup ? List.of("--stdio", "--warmup") : List.of("--stdio");
            return java(b, env, BUNDLED_MAIN, args, "bundled Java worker");
        }
        return new WorkerLauncher(null, env, b.workingDirectory, "none");
    }

    /** The class-data archive workers of this launcher use once it exists, or {@code null}. */
    CdsArchive cdsArchive() {
        return unpacked != null ? unpacked.cds : cds;
    }

    /**
     * The command of the next start: with the class-data archive when it is there and sound; when
     * it is not, its creation starts in the background and this worker starts without it.
     */
    List<String> startCommand() {
        if (unpacked != null) {
            // the Boot jar's own class loader defeats class-data sharing: the unpacked class path, once there
            String cp = unpacked.classPath.classPath();
            if (cp == null) {
                unpacked.classPath.unpackInBackground();
                return command;
            }
            if (unpacked.command == null) {
                synchronized (unpacked) {
                    if (unpacked.command == null) {
                        unpacked.cds = CdsArchive.of(unpacked.cacheDirectory, unpacked.javaOptions, unpacked.mainClass, cp);
                        unpacked.command = javaCommand(unpacked.mainClass, unpacked.javaOptions, unpacked.args, cp);
                    }
                }
            }
            return withArchive(unpacked.command, unpacked.cds);
        }
        if (cds == null || command == null) {
            return command;
        }
        return withArchive(command, cds);
    }

    /** {@code command} with its archive when that is there and sound; when not, its creation starts in the background. */
    private List<String> withArchive(List<String> command, CdsArchive archive) {
        if (archive.usable()) {
            List<String> withArchive = new ArrayList<>(command);
            withArchive.add(1, "-XX:SharedArchiveFile=" + archive.path());
            return withArchive;
        }
        archive.createInBackground(command, workingDirectory);
        return command;
    }

    /** The command line, or {@code null} when none could be resolved. */
    List<String> command() {
        return command;
    }

    String source() {
        return source;
    }

    /**
     * Whether workers are started as leaders of their own session ({@code -Dmolt.accel.workerSessions=true},
     * off by default): then a descendant that clears its environment is still found, but on kernels
     * that group CPU scheduling by session (autogroup) each worker is a scheduling group of its own,
     * which costs every round trip. Off, the tree is found by the environment marker of
     * {@link #start(String)}.
     */
    boolean ownSession() {
        return SESSIONS && ProcessTree.sessionsSupported();
    }

    private static final boolean SESSIONS = Boolean.parseBoolean(System.getProperty("molt.accel.workerSessions", "false"));

    /** Starts a worker without a tree marker; see {@link #start(String)}. */
    Process start() throws IOException {
        return start(null);
    }

    /**
     * Starts a worker with {@link ProcessTree#MARKER_VARIABLE}{@code =marker} in its environment
     * (unless {@code marker} is {@code null}), which its descendants inherit, so that its whole
     * process tree, grandchildren whose parent exited included, can be found and ended; as the
     * leader of its own session when {@link #ownSession()}.
     */
    Process start(String marker) throws IOException {
        if (command == null) {
            throw new IOException("No worker command: set MOLT_WORKER_CMD, put molt-worker on PATH, "
                    + "or add molt-accel-worker to the class path for the bundled Java worker");
        }
        if (ownSession()) {
            // through setsid a missing program would only show as exit code 127: say it here, as exec would
            checkExecutable(command.get(0));
        }
        List<String> cmd = startCommand();
        ProcessBuilder pb = new ProcessBuilder(ownSession() ? ProcessTree.sessionLeaderCommand(cmd) : cmd);
        pb.redirectErrorStream(false);
        pb.environment().putAll(environment);
        if (marker != null) {
            pb.environment().put(ProcessTree.MARKER_VARIABLE, marker);
        }
        if (workingDirectory != null) {
            pb.directory(workingDirectory.toFile());
        }
        return pb.start();
    }

    private void checkExecutable(String program) throws IOException {
        boolean found;
        if (program.contains(File.separator)) {
            Path p = workingDirectory != null && !Path.of(program).isAbsolute() ? workingDirectory.resolve(program) : Path.of(program);
            found = Files.isRegularFile(p) && Files.isExecutable(p);
        } else {
            String path = environment.getOrDefault("PATH", System.getenv("PATH"));
            found = findOnPath(program, path) != null;
        }
        if (!found) {
            throw new IOException("Cannot run program \"" + program + "\": no such executable file");
        }
    }

    /**
     * The command that runs {@code mainClass} from the current class path with the current JVM,
     * with unified logging on stderr so that stdout carries frames only, and {@link
     * #DEFAULT_COLLECTOR} unless {@code javaOptions} choose a collector. Inside a Spring Boot
     * executable jar the class is started through Boot's {@code PropertiesLauncher}, since nested
     * jars are not a plain class path.
     */
    static List<String> bundledCommand(String mainClass, List<String> javaOptions, List<String> args) {
        String classPath = absoluteClassPath(System.getProperty("java.class.path", ""));
        return bundledCommand(mainClass, javaOptions, args, classPath, bootExecutableJar(classPath));
    }

    /** As {@link #bundledCommand(String, List, List)} for {@code classPath} (absolute) and its Boot jar, if it is one. */
    private static List<String> bundledCommand(String mainClass, List<String> javaOptions, List<String> args, String classPath,
            String bootJar) {
        if (bootJar != null) {
            List<String> cmd = new ArrayList<>(javaPrefix(javaOptions));
            cmd.add("-Dloader.main=" + mainClass);
            cmd.add("-cp");
            cmd.add(bootJar);
            cmd.add(BOOT_LAUNCHER);
            cmd.addAll(args);
            return List.copyOf(cmd);
        }
        return javaCommand(mainClass, javaOptions, args, classPath);
    }

    /** {@code java <options> -cp classPath mainClass args}, as {@link #bundledCommand} for a plain class path. */
    private static List<String> javaCommand(String mainClass, List<String> javaOptions, List<String> args, String classPath) {
        List<String> cmd = new ArrayList<>(javaPrefix(javaOptions));
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return List.copyOf(cmd);
    }

    private static List<String> javaPrefix(List<String> javaOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("-Xlog:all=warning:stderr");
        cmd.add("-Xshare:auto");
        if (javaOptions.stream().noneMatch(WorkerLauncher::selectsCollector)) {
            cmd.add(DEFAULT_COLLECTOR);
        }
        cmd.addAll(javaOptions);
        return cmd;
    }

    private static boolean selectsCollector(String option) {
        return option.startsWith("-XX:+Use") && option.endsWith("GC");
    }

    static String absoluteClassPath(String classPath) {
        if (classPath.isEmpty()) {
            return classPath;
        }
        StringJoiner out = new StringJoiner(File.pathSeparator);
        for (String entry : classPath.split(Pattern.quote(File.pathSeparator))) {
            if (entry.isEmpty()) {
                continue;
            }
            // "dir/*" is a wildcard entry: only its directory part is a path
            boolean wildcard = entry.equals("*") || entry.endsWith(File.separator + "*");
            String path = wildcard ? entry.substring(0, entry.length() - 1) : entry;
            String absolute = Path.of(path.isEmpty() ? "." : path).toAbsolutePath().normalize().toString();
            out.add(wildcard ? absolute + File.separator + "*" : absolute);
        }
        return out.toString();
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String bootExecutableJar(String classPath) {
        if (classPath.isEmpty() || classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")) {
            return null;
        }
        try (ZipFile zip = new ZipFile(classPath)) {
            return zip.getEntry("BOOT-INF/lib/") != null || zip.getEntry("BOOT-INF/classes/") != null ? classPath : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean bundledWorkerPresent() {
        ClassLoader loader = WorkerLauncher.class.getClassLoader();
        return loader != null && loader.getResource(BUNDLED_MAIN.replace('.', '/') + ".class") != null;
    }

    private static Path findOnPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path defaultManifest() {
        Path p = defaultManifestFile;
        if (p != null && Files.exists(p)) {
            return p;
        }
        synchronized (WorkerLauncher.class) {
            try (InputStream in = ExportsManifest.class.getResourceAsStream(ExportsManifest.DEFAULT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("Default exports manifest is missing from the class path");
                }
                p = Files.createTempFile("molt-default-exports", ".json");
                Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                p.toFile().deleteOnExit();
                defaultManifestFile = p;
                return p;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write the default exports manifest: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return command == null ? "no worker command" : source + ": " + String.join(" ", command);
    }
}
