package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache entries no JVM used for a while are deleted, and nothing else is. */
class CacheEntriesTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void deletesEntriesUnusedForADayBeyondTheThreeUsedLast() throws IOException {
        Path boot = dir.resolve("boot");
        String current = bootEntry(boot, 0, days(40)); // made just now from an old jar: never deleted
        String[] recent = {bootEntry(boot, 1, hours(1)), bootEntry(boot, 2, hours(2)), bootEntry(boot, 3, hours(3))};
        String usedToday = bootEntry(boot, 4, hours(20));
        String[] unused = {bootEntry(boot, 5, hours(30)), bootEntry(boot, 6, days(30))};
        Path other = Files.writeString(boot.resolve("notes.txt"), "not an entry");
        touch(other, days(90));

        CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);

        assertThat(boot.resolve(current)).isDirectory();
        for (String key : recent) {
            assertThat(boot.resolve(key)).as("among the three used last").isDirectory();
        }
        assertThat(boot.resolve(usedToday)).as("used within the day").isDirectory();
        for (String key : unused) {
            assertThat(boot.resolve(key)).as("unused for more than a day").doesNotExist();
            assertThat(boot.resolve(key + ".lock")).doesNotExist();
        }
        assertThat(other).as("not an entry").exists();
    }

    @Test
    void theThreeUsedLastStayWhateverTheirAge() throws IOException {
        Path boot = dir.resolve("boot");
        String current = bootEntry(boot, 0, 0);
        String second = bootEntry(boot, 1, days(30));
        String third = bootEntry(boot, 2, days(31));
        String fourth = bootEntry(boot, 3, days(32));

        CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);

        assertThat(boot.resolve(second)).isDirectory();
        assertThat(boot.resolve(third)).isDirectory();
        assertThat(boot.resolve(fourth)).doesNotExist();
    }

    @Test
    void anEntryWhoseLockIsHeldIsKept() throws IOException {
        Path boot = dir.resolve("boot");
        String current = currentAndThreeUsedLast(boot);
        String locked = bootEntry(boot, 4, days(30));
        String free = bootEntry(boot, 5, days(30));

        try (FileChannel ch = FileChannel.open(boot.resolve(locked + ".lock"), StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);
        }

        assertThat(boot.resolve(locked).resolve("classpath.txt")).as("being created or checked").exists();
        assertThat(boot.resolve(free)).doesNotExist();
    }

    @Test
    void anEntryAnotherLiveProcessUsesIsKeptUntilItEnds() throws Exception {
        Path boot = dir.resolve("boot");
        String current = currentAndThreeUsedLast(boot);
        String used = bootEntry(boot, 4, days(30));
        Process holder = lockProbe("hold", boot.resolve(used + ".lock"));
        try {
            assertThat(firstLine(holder)).isEqualTo("locked");

            CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);
            assertThat(boot.resolve(used).resolve("classpath.txt")).as("its user still runs").exists();

            holder.getOutputStream().close();
            assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
            CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);
            assertThat(boot.resolve(used)).as("its user ended").doesNotExist();
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEntryThisProcessHoldsIsKeptAndPruningDoesNotDropItsLock() throws Exception {
        Path boot = dir.resolve("boot");
        String current = currentAndThreeUsedLast(boot);
        String used = bootEntry(boot, 4, days(30));
        Path lock = boot.resolve(used + ".lock");
        CacheEntries.holdInUse(lock);
        try {
            CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);

            assertThat(boot.resolve(used).resolve("classpath.txt")).exists();
            // a POSIX lock goes when its process closes any descriptor of the file: pruning must not have
            assertThat(lockState(lock)).as("another process sees the lock").isEqualTo("held");
        } finally {
            CacheEntries.release(lock);
        }
        assertThat(lockState(lock)).isEqualTo("free");
    }

    @Test
    void archivesGoWithTheirChecksumLockAndLogAndTemporariesOfAKilledCreationGoFromAnyEntry() throws IOException {
        Path cds = dir.resolve("cds");
        Files.createDirectories(cds);
        String current = key(0);
        Path currentArchive = file(cds.resolve(current + ".jsa"), 0);
        file(cds.resolve(current + ".jsa.sha256"), 0);
        Path staleTemporary = file(cds.resolve(current + ".jsa.4242.tmp"), days(2));
        Path freshTemporary = file(cds.resolve(current + ".jsa.4343.tmp"), 0);
        for (int i = 1; i <= 3; i++) {
            file(cds.resolve(key(i) + ".jsa"), hours(1));
            file(cds.resolve(key(i) + ".jsa.sha256"), hours(1));
        }
        String old = key(9);
        Duration ago = days(20);
        List<Path> oldMembers = List.of(file(cds.resolve(old + ".jsa"), ago), file(cds.resolve(old + ".jsa.sha256"), ago),
                file(cds.resolve(old + ".jsa.lock"), ago), file(cds.resolve(old + ".jsa.log"), ago));

        CacheEntries.prune(cds, current, ".jsa.lock", ".jsa.sha256", NOW);

        assertThat(currentArchive).exists();
        assertThat(freshTemporary).as("a creation may be under way").exists();
        assertThat(staleTemporary).as("left by a creation that was killed").doesNotExist();
        for (int i = 1; i <= 3; i++) {
            assertThat(cds.resolve(key(i) + ".jsa")).exists();
        }
        assertThat(oldMembers).allSatisfy(p -> assertThat(p).doesNotExist());
    }

    @Test
    void onlyKeyNamedMembersBelongToEntries() {
        String k = key(7);
        assertThat(CacheEntries.keyOf(k)).isEqualTo(k);
        assertThat(CacheEntries.keyOf(k + ".jsa.sha256")).isEqualTo(k);
        assertThat(CacheEntries.keyOf(k + "x")).isNull();
        assertThat(CacheEntries.keyOf(k.toUpperCase().replace('0', 'G'))).isNull();
        assertThat(CacheEntries.keyOf("short.jsa")).isNull();
    }

    @Test
    void anUnpackedClassPathIsMarkedUsedAndForgottenOnceDeleted() throws Exception {
        Path jar = dir.resolve("app.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry("BOOT-INF/lib/a.jar"));
            zip.write(new byte[] {1, 2, 3});
            zip.closeEntry();
        }
        BootJarClassPath cp = BootJarClassPath.of(dir.resolve("cache"), jar);
        cp.unpackNow();
        Files.setLastModifiedTime(cp.directory(), FileTime.from(Instant.now().minus(Duration.ofDays(20))));

        assertThat(cp.classPath()).isNotNull();
        assertThat(Files.getLastModifiedTime(cp.directory()).toInstant())
                .as("marked used by the worker start that asked for it").isAfter(Instant.now().minus(Duration.ofHours(1)));
        Path lock = cp.directory().resolveSibling(cp.directory().getFileName() + ".lock");
        assertThat(lockState(lock)).as("held while this JVM may run workers from it").isEqualTo("held");

        CacheEntries.deleteTree(cp.directory());
        assertThat(cp.classPath()).as("gone: workers start from the jar").isNull();
        assertThat(lockState(lock)).as("let go once gone").isEqualTo("free");
    }

    /** A JVM of its own that takes a shared lock on a file and keeps it until its input ends, or tries an exclusive one. */
    private static final String LOCK_PROBE = """
            import java.nio.channels.FileChannel;
            import java.nio.channels.FileLock;
            import java.nio.file.Path;
            import java.nio.file.StandardOpenOption;

            public class LockProbe {
                public static void main(String[] a) throws Exception {
                    try (FileChannel ch = FileChannel.open(Path.of(a[1]), StandardOpenOption.CREATE,
                            StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        if (a[0].equals("hold")) {
                            FileLock held = ch.lock(0, Long.MAX_VALUE, true);
                            System.out.println("locked");
                            System.out.flush();
                            while (System.in.read() >= 0) {
                            }
                        } else {
                            FileLock l = ch.tryLock();
                            System.out.println(l == null ? "held" : "free");
                        }
                    }
                }
            }
            """;

    private Process lockProbe(String mode, Path file) throws IOException {
        Path source = dir.resolve("LockProbe.java");
        if (!Files.exists(source)) {
            Files.writeString(source, LOCK_PROBE);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", source.toString(), mode, file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private String lockState(Path file) throws Exception {
        Process p = lockProbe("try", file);
        try {
            String line = firstLine(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return line;
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The first line the process writes; its JVM compiles the probe first, so this takes a second or more. */
    private static String firstLine(Process p) throws IOException {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static String key(int i) {
        return String.format("%024x", 0xabc000L + i);
    }

    /** An unpacked class path (directory, class path file, lock), last used {@code ago}. */
    private static String bootEntry(Path boot, int i, Duration ago) throws IOException {
        String key = key(i);
        Path d = boot.resolve(key);
        Files.createDirectories(d.resolve("lib"));
        file(d.resolve("lib/a.jar"), ago);
        file(d.resolve("classpath.txt"), ago);
        file(boot.resolve(key + ".lock"), ago);
        touch(d.resolve("lib"), ago);
        touch(d, ago);
        return key;
    }

    /** The entry just made and the three used last (just now): the next entry unused for a day may go. */
    private static String currentAndThreeUsedLast(Path boot) throws IOException {
        for (int i = 1; i <= 3; i++) {
            bootEntry(boot, i, 0);
        }
        return bootEntry(boot, 0, 0);
    }

    private static String bootEntry(Path boot, int i, int daysAgo) throws IOException {
        return bootEntry(boot, i, days(daysAgo));
    }

    private static Path file(Path p, Duration ago) throws IOException {
        Files.write(p, new byte[] {42});
        touch(p, ago);
        return p;
    }

    private static Path file(Path p, int daysAgo) throws IOException {
        return file(p, days(daysAgo));
    }

    private static void touch(Path p, Duration ago) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(NOW.minus(ago)));
    }

    private static Duration days(int n) {
        return Duration.ofDays(n);
    }

    private static Duration hours(int n) {
        return Duration.ofHours(n);
    }
}
