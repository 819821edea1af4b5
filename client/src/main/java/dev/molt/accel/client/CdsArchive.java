package dev.molt.accel.client;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class-data sharing (AppCDS) archive of one Java worker command: a dynamic archive of the
 * classes a warmed-up worker loaded, kept in {@code <cache dir>/cds/<key>.jsa}, where the key
 * hashes the JVM (java.home, version), the worker's JVM options, main class and class path (with
 * each jar's size and modification time, so that a rebuilt jar gets a new archive instead of one
 * the JVM would refuse).
 *
 * <p>Created once, by a throw-away worker: the worker command with
 * {@code -XX:ArchiveClassesAtExit}, {@code MOLT_WORKER_WARMUP=1} and stdin closed, so that it warms
 * up, sees the end of its input and exits cleanly, which writes the archive. It runs on its own
 * daemon thread ({@code molt-accel-cds}), bounded by {@link #CREATE_LIMIT_SECONDS}, while the first
 * worker starts without the archive; later starts use it ({@code -XX:SharedArchiveFile}).
 *
 * <p>Never in the way of a start: the archive is written to a temporary file and renamed only
 * after its creator exited 0, a checksum file is written beside it, and an archive is used only
 * when it is owned by this user and matches its checksum (verified once per JVM and file state).
 * That check matters: the JDK 17 JVM falls back silently for a missing archive or a wrong header,
 * but a truncated archive with a valid header crashed it (SIGBUS) in our tests. Creation is
 * skipped for a class path with directories (the JVM cannot archive from them) and when another
 * process holds the archive's lock. Each use marks the archive used, and each creation deletes the
 * unused archives of other keys ({@link CacheEntries}). Thread-safe.
 */
final class CdsArchive {

    private static final Logger log = LoggerFactory.getLogger(CdsArchive.class);

    /** How long the throw-away worker may take to warm up and write the archive. */
    static final long CREATE_LIMIT_SECONDS = 60;

    /** Archives being created or given up on in this JVM, by path. */
    private static final Map<Path, Boolean> ATTEMPTED = new ConcurrentHashMap<>();
    /** Archives verified in this JVM: path -> "size:mtime" of the state verified. */
    private static final Map<Path, String> VERIFIED = new ConcurrentHashMap<>();

    private final Path archive;
    private final Path checksum;
    private final boolean creatable;

    private CdsArchive(Path archive, boolean creatable) {
        this.archive = archive;
        this.checksum = archive.resolveSibling(archive.getFileName() + ".sha256");
        this.creatable = creatable;
    }

    /**
     * The archive of a Java worker command: {@code javaOptions} and {@code mainClass} as given to
     * the launcher, {@code classPath} absolute.
     */
    static CdsArchive of(Path cacheDirectory, List<String> javaOptions, String mainClass, String classPath) {
        StringBuilder key = new StringBuilder();
        key.append(System.getProperty("java.home")).append('\n').append(System.getProperty("java.vm.version")).append('\n');
        key.append(String.join(" ", javaOptions)).append('\n').append(mainClass).append('\n');
        boolean creatable = !classPath.isEmpty();
        for (String entry : classPath.split(Pattern.quote(File.pathSeparator))) {
            Path p = Path.of(entry);
            key.append(entry);
            if (Files.isDirectory(p)) {
                creatable = false; // the JVM archives classes from jar files only
            } else {
                try {
                    key.append(':').append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis());
                } catch (IOException e) {
                    key.append(":missing");
                }
            }
            key.append('\n');
        }
        String hash = HexFormat.of().formatHex(sha256(key.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 24);
        return new CdsArchive(cacheDirectory.resolve("cds").resolve(hash + ".jsa"), creatable);
    }

    /** The default cache directory: {@code molt.accel.cache-dir}, else {@code $XDG_CACHE_HOME/molt-accel}, else {@code ~/.cache/molt-accel}. */
    static Path defaultCacheDirectory() {
        String configured = System.getProperty("molt.accel.cache-dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "molt-accel");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "molt-accel");
    }

    Path path() {
        return archive;
    }

    /** Whether the archive exists and is safe to give a JVM: complete, ours, and as it was written. */
    boolean usable() {
        try {
            if (!Files.isRegularFile(archive) || !Files.isRegularFile(checksum)) {
                return false;
            }
            String state = Files.size(archive) + ":" + Files.getLastModifiedTime(archive).toMillis();
            if (state.equals(VERIFIED.get(archive))) {
                CacheEntries.markUsed(checksum);
                return true;
            }
            if (!Files.getOwner(archive).getName().equals(System.getProperty("user.name"))) {
                log.warn("Not using class-data archive {}: it is not owned by this user", archive);
                return false;
            }
            String expected = Files.readString(checksum, StandardCharsets.US_ASCII).trim();
            String actual = HexFormat.of().formatHex(sha256(archive));
            if (!actual.equals(expected)) {
                log.warn("Not using class-data archive {}: it does not match its checksum; it will be created again", archive);
                Files.deleteIfExists(checksum);
                ATTEMPTED.remove(archive);
                return false;
            }
            VERIFIED.put(archive, state);
            CacheEntries.markUsed(checksum);
            return true;
        } catch (IOException | RuntimeException e) {
            log.debug("Class-data archive {} is not usable: {}", archive, e.toString());
            return false;
        }
    }

    /**
     * Starts creating the archive in the background from {@code command} (the worker's command,
     * whose first element is the java executable), unless it is not creatable or already being
     * created or given up on in this JVM. Returns at once.
     */
    void createInBackground(List<String> command, Path workingDirectory) {
        if (!creatable || ATTEMPTED.putIfAbsent(archive, Boolean.TRUE) != null) {
            return;
        }
        Thread t = new Thread(() -> create(command, workingDirectory), "molt-accel-cds");
        t.setDaemon(true);
        t.start();
    }

    private void create(List<String> command, Path workingDirectory) {
        Path dir = archive.getParent();
        Path tmp = dir.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            createDirectory(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(archive.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.tryLock()) {
                if (lock == null) {
                    log.debug("Class-data archive {} is being created by another process", archive);
                    return;
                }
                if (usable()) {
                    return;
                }
                long t0 = System.nanoTime();
                Files.deleteIfExists(tmp);
                List<String> cmd = new ArrayList<>(command);
                cmd.add(1, "-XX:ArchiveClassesAtExit=" + tmp);
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.environment().put("MOLT_WORKER_WARMUP", "1");
                if (workingDirectory != null) {
                    pb.directory(workingDirectory.toFile());
                }
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                Path creatorLog = dir.resolve(archive.getFileName() + ".log");
                pb.redirectError(creatorLog.toFile());
                Process p = pb.start();
                p.getOutputStream().close(); // end of input: the worker warms up, then exits and writes the archive
                if (!p.waitFor(CREATE_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    log.warn("Class-data archive {} was not created within {} s; workers start without it", archive,
                            CREATE_LIMIT_SECONDS);
                    return;
                }
                if (p.exitValue() != 0 || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
                    log.warn("Class-data archive {} could not be created (exit code {}); workers start without it; see {}",
                            archive, p.exitValue(), creatorLog);
                    return;
                }
                String sum = HexFormat.of().formatHex(sha256(tmp));
                Path sumTmp = dir.resolve(checksum.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
                Files.writeString(sumTmp, sum + "\n", StandardCharsets.US_ASCII);
                Files.deleteIfExists(checksum);
                move(tmp, archive);
                move(sumTmp, checksum);
                Files.deleteIfExists(creatorLog);
                log.info("Created class-data archive {} ({} KiB) in {} ms", archive, Files.size(archive) / 1024,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                String name = archive.getFileName().toString();
                CacheEntries.prune(dir, name.substring(0, name.length() - ".jsa".length()), ".jsa.lock", ".jsa.sha256");
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Class-data archive {} could not be created ({}); workers start without it", archive, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                log.debug("Cannot delete {}: {}", tmp, e.toString());
            }
        }
    }

    static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The file's SHA-256, read in chunks: an archive is megabytes, and a stray file could be anything. */
    private static byte[] sha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buf = new byte[64 * 1024];
        try (java.io.InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
        return digest.digest();
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
