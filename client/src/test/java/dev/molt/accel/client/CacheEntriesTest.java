package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
    void deletesEntriesUnusedForAWeekBeyondTheThreeUsedLast() throws IOException {
        Path boot = dir.resolve("boot");
        String current = bootEntry(boot, 0, 40); // made just now from an old jar: never deleted
        String[] recent = {bootEntry(boot, 1, 1), bootEntry(boot, 2, 2), bootEntry(boot, 3, 3)};
        String unusedButNew = bootEntry(boot, 4, 5);
        String[] unused = {bootEntry(boot, 5, 8), bootEntry(boot, 6, 30)};
        Path other = Files.writeString(boot.resolve("notes.txt"), "not an entry");
        touch(other, 90);

        CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);

        assertThat(boot.resolve(current)).isDirectory();
        for (String key : recent) {
            assertThat(boot.resolve(key)).as("among the three used last").isDirectory();
        }
        assertThat(boot.resolve(unusedButNew)).as("used within the week").isDirectory();
        for (String key : unused) {
            assertThat(boot.resolve(key)).as("unused for more than a week").doesNotExist();
            assertThat(boot.resolve(key + ".lock")).doesNotExist();
        }
        assertThat(other).as("not an entry").exists();
    }

    @Test
    void theThreeUsedLastStayWhateverTheirAge() throws IOException {
        Path boot = dir.resolve("boot");
        String current = bootEntry(boot, 0, 0);
        String second = bootEntry(boot, 1, 30);
        String third = bootEntry(boot, 2, 31);
        String fourth = bootEntry(boot, 3, 32);

        CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);

        assertThat(boot.resolve(second)).isDirectory();
        assertThat(boot.resolve(third)).isDirectory();
        assertThat(boot.resolve(fourth)).doesNotExist();
    }

    @Test
    void anEntryWhoseLockIsHeldIsKept() throws IOException {
        Path boot = dir.resolve("boot");
        String current = bootEntry(boot, 0, 0);
        for (int i = 1; i <= 3; i++) {
            bootEntry(boot, i, 0);
        }
        String locked = bootEntry(boot, 4, 30);
        String free = bootEntry(boot, 5, 30);

        try (FileChannel ch = FileChannel.open(boot.resolve(locked + ".lock"), StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            CacheEntries.prune(boot, current, ".lock", "/classpath.txt", NOW);
        }

        assertThat(boot.resolve(locked).resolve("classpath.txt")).as("being created or checked").exists();
        assertThat(boot.resolve(free)).doesNotExist();
    }

    @Test
    void archivesGoWithTheirChecksumLockAndLogAndTemporariesOfAKilledCreationGoFromAnyEntry() throws IOException {
        Path cds = dir.resolve("cds");
        Files.createDirectories(cds);
        String current = key(0);
        Path currentArchive = file(cds.resolve(current + ".jsa"), 0);
        file(cds.resolve(current + ".jsa.sha256"), 0);
        Path staleTemporary = file(cds.resolve(current + ".jsa.4242.tmp"), 2);
        Path freshTemporary = file(cds.resolve(current + ".jsa.4343.tmp"), 0);
        for (int i = 1; i <= 3; i++) {
            file(cds.resolve(key(i) + ".jsa"), 1);
            file(cds.resolve(key(i) + ".jsa.sha256"), 1);
        }
        String old = key(9);
        List<Path> oldMembers = List.of(file(cds.resolve(old + ".jsa"), 20), file(cds.resolve(old + ".jsa.sha256"), 20),
                file(cds.resolve(old + ".jsa.lock"), 20), file(cds.resolve(old + ".jsa.log"), 20));

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
    void anUnpackedClassPathIsMarkedUsedAndForgottenOnceDeleted() throws IOException {
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

        CacheEntries.deleteTree(cp.directory());
        assertThat(cp.classPath()).as("gone: workers start from the jar").isNull();
    }

    private static String key(int i) {
        return String.format("%024x", 0xabc000L + i);
    }

    /** An unpacked class path (directory, class path file, lock), last used {@code daysAgo}. */
    private static String bootEntry(Path boot, int i, int daysAgo) throws IOException {
        String key = key(i);
        Path d = boot.resolve(key);
        Files.createDirectories(d.resolve("lib"));
        file(d.resolve("lib/a.jar"), daysAgo);
        file(d.resolve("classpath.txt"), daysAgo);
        file(boot.resolve(key + ".lock"), daysAgo);
        touch(d.resolve("lib"), daysAgo);
        touch(d, daysAgo);
        return key;
    }

    private static Path file(Path p, int daysAgo) throws IOException {
        Files.write(p, new byte[] {42});
        touch(p, daysAgo);
        return p;
    }

    private static void touch(Path p, int daysAgo) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(NOW.minus(Duration.ofDays(daysAgo))));
    }
}
