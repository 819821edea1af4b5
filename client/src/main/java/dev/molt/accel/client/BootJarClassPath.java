package dev.molt.accel.client;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Spring Boot executable jar unpacked once into a plain class path for Java workers, in
 * {@code <cache dir>/boot/<key>/} (the key hashes the jar's path, size and modification time):
 * {@code app.jar} (the jar's {@code BOOT-INF/classes}) and {@code lib/} (its {@code BOOT-INF/lib}
 * jars), in the order of its {@code classpath.idx}.
 *
 * <p>Why: a worker started through Boot's launcher reads its classes from nested jars with Boot's
 * own class loader, whose classes the JVM's class-data sharing does not archive, and pays for
 * that loader at every start: measured on the demo's jar with its archive, 1.8-2.2 s of CPU and
 * 1.1-1.3 s to exit after its warm-up, against 0.6-0.7 s of CPU and 0.4-0.5 s from the unpacked
 * class path with its archive.
 *
 * <p>Unpacked in the background on its own daemon thread ({@code molt-accel-unpack}) while the
 * first workers start from the Boot jar: into a temporary directory renamed into place once
 * complete, under a lock file (another process unpacking the same jar is left to it), with the
 * class path written last ({@code classpath.txt}), so that a directory is used only when whole.
 * Entry names are not trusted as paths: a library jar keeps only its file name, and the classes
 * are copied into a new jar, never onto the file system. A directory not owned by this user is
 * not used. A JVM that uses it marks it used and holds a shared lock on its lock file while it
 * lives; each unpacking deletes the unused ones of other keys ({@link CacheEntries}). One deleted
 * under a running process anyway (by hand) is noticed at its next worker start, which then starts
 * from the jar. Thread-safe.
 */
final class BootJarClassPath {

    private static final Logger log = LoggerFactory.getLogger(BootJarClassPath.class);

    private static final String CLASSES = "BOOT-INF/classes/";
    private static final String LIB = "BOOT-INF/lib/";
    private static final String INDEX = "BOOT-INF/classpath.idx";
    private static final String CLASS_PATH_FILE = "classpath.txt";

    /** Jars being unpacked or given up on in this JVM, by target directory. */
    private static final Map<Path, Boolean> ATTEMPTED = new ConcurrentHashMap<>();

    private final Path jar;
    private final Path directory;
    private volatile String classPath;

    private BootJarClassPath(Path jar, Path directory) {
        this.jar = jar;
        this.directory = directory;
    }

    /** The unpacked class path of the Boot jar {@code jar} (absolute) under {@code cacheDirectory}. */
    static BootJarClassPath of(Path cacheDirectory, Path jar) {
        String key = jar + "\n";
        try {
            key += Files.size(jar) + ":" + Files.getLastModifiedTime(jar).toMillis();
        } catch (IOException e) {
            key += "missing";
        }
        String hash = HexFormat.of().formatHex(CdsArchive.sha256(key.getBytes(StandardCharsets.UTF_8))).substring(0, 24);
        return new BootJarClassPath(jar, cacheDirectory.resolve("boot").resolve(hash));
    }

    Path directory() {
        return directory;
    }

    private Path lockFile() {
        return directory.resolveSibling(directory.getFileName() + ".lock");
    }

    /** The plain class path once unpacked (absolute entries), else {@code null}. */
    String classPath() {
        Path file = directory.resolve(CLASS_PATH_FILE);
        if (!Files.isRegularFile(file)) {
            if (classPath != null) {
                // deleted under this process (by hand: pruning spares an entry in use): workers start from the jar
                classPath = null;
                CacheEntries.release(lockFile());
            }
            return null;
        }
        String cp = classPath;
        if (cp == null && (cp = read(file)) == null) {
            return null;
        }
        // held before it is handed out: no process may delete it while workers may run from it
        CacheEntries.holdInUse(lockFile());
        CacheEntries.markUsed(directory);
        classPath = cp;
        return cp;
    }

    /** The class path {@code file} names when it is this user's and names only files of the directory, else {@code null}. */
    private String read(Path file) {
        try {
            String me = System.getProperty("user.name");
            if (!Files.getOwner(directory).getName().equals(me) || !Files.getOwner(file).getName().equals(me)) {
                // classes another user could have put there are not run
                log.warn("Not using unpacked class path {}: it is not owned by this user", directory);
                return null;
            }
            List<String> entries = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    Path p = directory.resolve(line.trim()).normalize();
                    if (!p.startsWith(directory) || !Files.isRegularFile(p)) {
                        return null; // not what this class wrote: start from the Boot jar
                    }
                    entries.add(p.toString());
                }
            }
            return entries.isEmpty() ? null : String.join(File.pathSeparator, entries);
        } catch (IOException | RuntimeException e) {
            log.debug("Unpacked class path {} is not usable: {}", directory, e.toString());
            return null;
        }
    }

    /** Starts unpacking on a daemon thread unless done, under way or given up on in this JVM. Returns at once. */
    void unpackInBackground() {
        if (classPath() != null || ATTEMPTED.putIfAbsent(directory, Boolean.TRUE) != null) {
            return;
        }
        Thread t = new Thread(this::unpackNow, "molt-accel-unpack");
        t.setDaemon(true);
        t.start();
    }

    /** Unpacks on the calling thread (see {@link #unpackInBackground}). */
    void unpackNow() {
        Path parent = directory.getParent();
        Path tmp = parent.resolve(directory.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            CdsArchive.createDirectory(parent);
            try (FileChannel lockFile = FileChannel.open(lockFile(),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.tryLock()) {
                if (lock == null || Files.isRegularFile(directory.resolve(CLASS_PATH_FILE))) {
                    // another process unpacks it, or has (not classPath(): its shared lock on this
                    // file would have to open it again, and closing that would drop this lock)
                    return;
                }
                long t0 = System.nanoTime();
                CacheEntries.deleteTree(tmp);
                Files.createDirectories(tmp.resolve("lib"));
                List<String> entries = extract(tmp);
                Files.write(tmp.resolve(CLASS_PATH_FILE), entries, StandardCharsets.UTF_8);
                CacheEntries.deleteTree(directory);
                try {
                    Files.move(tmp, directory, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, directory);
                }
                log.info("Unpacked {} for Java workers into {} in {} ms", jar.getFileName(), directory,
                        (System.nanoTime() - t0) / 1_000_000);
                CacheEntries.prune(parent, directory.getFileName().toString(), ".lock", "/" + CLASS_PATH_FILE);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Could not unpack {} for Java workers ({}); they start from the jar", jar.getFileName(), e.toString());
        } finally {
            try {
                CacheEntries.deleteTree(tmp);
            } catch (IOException e) {
                log.debug("Cannot delete {}: {}", tmp, e.toString());
            }
        }
    }

    /** Writes {@code app.jar} and {@code lib/*.jar} under {@code dir}; returns the class path's entries relative to it. */
    private List<String> extract(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            boolean classes = false;
            try (OutputStream out = Files.newOutputStream(dir.resolve("app.jar"), StandardOpenOption.CREATE_NEW);
                    JarOutputStream app = new JarOutputStream(out)) {
                Enumeration<? extends ZipEntry> all = zip.entries();
                while (all.hasMoreElements()) {
                    ZipEntry e = all.nextElement();
                    String name = e.getName();
                    if (name.startsWith(CLASSES) && name.length() > CLASSES.length()) {
                        app.putNextEntry(new JarEntry(name.substring(CLASSES.length())));
                        if (!e.isDirectory()) {
                            try (InputStream in = zip.getInputStream(e)) {
                                in.transferTo(app);
                            }
                        }
                        app.closeEntry();
                        classes = true;
                    }
                }
            }
            if (classes) {
                entries.add("app.jar");
            }
            for (String lib : libraries(zip)) {
                ZipEntry e = zip.getEntry(LIB + lib);
                if (e == null || e.isDirectory()) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, dir.resolve("lib").resolve(lib));
                } catch (FileAlreadyExistsException dup) {
                    continue;
                }
                entries.add("lib/" + lib);
            }
        }
        return entries;
    }

    /** The library jars' file names: in {@code classpath.idx} order, then any other, each once and plain. */
    private static List<String> libraries(ZipFile zip) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        ZipEntry index = zip.getEntry(INDEX);
        if (index != null) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(zip.getInputStream(index), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String s = line.trim();
                    if (s.startsWith("- ")) {
                        s = s.substring(2).trim();
                    }
                    if (s.length() > 1 && s.startsWith("\"") && s.endsWith("\"")) {
                        s = s.substring(1, s.length() - 1);
                    }
                    if (s.startsWith(LIB)) {
                        addPlain(names, s.substring(LIB.length()));
                    }
                }
            }
        }
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            String name = all.nextElement().getName();
            if (name.startsWith(LIB)) {
                addPlain(names, name.substring(LIB.length()));
            }
        }
        return new ArrayList<>(names);
    }

    private static void addPlain(Set<String> names, String name) {
        // only a jar's own file name: nothing that could step out of lib/
        if (name.endsWith(".jar") && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && !name.startsWith(".")) {
            names.add(name);
        }
    }
}
