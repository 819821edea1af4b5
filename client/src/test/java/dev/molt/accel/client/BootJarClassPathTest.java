package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Spring Boot jar unpacked into a plain class path: its layout, its order, and entry names that are not trusted. */
class BootJarClassPathTest {

    @TempDir
    Path dir;

    @Test
    void unpacksTheClassesIntoAJarAndTheLibrariesInTheIndexOrder() throws Exception {
        Path boot = bootJar(dir.resolve("app.jar"), List.of(
                "BOOT-INF/classes/com/example/Main.class", "BOOT-INF/classes/application.properties",
                "BOOT-INF/lib/b.jar", "BOOT-INF/lib/a.jar", "BOOT-INF/lib/c.jar"),
                "- \"BOOT-INF/lib/c.jar\"\n- \"BOOT-INF/lib/a.jar\"\n");
        BootJarClassPath cp = BootJarClassPath.of(dir.resolve("cache"), boot);
        assertThat(cp.classPath()).isNull();

        cp.unpackNow();

        Path d = cp.directory();
        assertThat(cp.classPath()).isEqualTo(String.join(File.pathSeparator, d.resolve("app.jar").toString(),
                d.resolve("lib/c.jar").toString(), d.resolve("lib/a.jar").toString(), d.resolve("lib/b.jar").toString()));
        try (JarFile app = new JarFile(d.resolve("app.jar").toFile())) {
            assertThat(new String(app.getInputStream(app.getEntry("com/example/Main.class")).readAllBytes(),
                    StandardCharsets.UTF_8)).isEqualTo("BOOT-INF/classes/com/example/Main.class");
            assertThat(app.getEntry("application.properties")).isNotNull();
        }
        assertThat(Files.readString(d.resolve("lib/a.jar"))).isEqualTo("BOOT-INF/lib/a.jar");
        assertThat(BootJarClassPath.of(dir.resolve("cache"), boot).classPath()).as("found by a later launcher")
                .isEqualTo(cp.classPath());
    }

    @Test
    void entryNamesThatWouldLeaveTheDirectoryAreSkipped() throws Exception {
        Path boot = bootJar(dir.resolve("app.jar"), List.of("BOOT-INF/lib/ok.jar", "BOOT-INF/lib/../../evil.jar",
                "BOOT-INF/lib/sub/nested.jar", "BOOT-INF/lib/..jar"),
                "- \"BOOT-INF/lib/../../../outside.jar\"\n");
        BootJarClassPath cp = BootJarClassPath.of(dir.resolve("cache"), boot);

        cp.unpackNow();

        assertThat(cp.classPath()).isEqualTo(cp.directory().resolve("lib/ok.jar").toString());
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.map(p -> p.getFileName().toString())).doesNotContain("evil.jar", "outside.jar", "nested.jar");
        }
    }

    @Test
    void aRebuiltJarGetsItsOwnDirectory() throws Exception {
        Path boot = bootJar(dir.resolve("app.jar"), List.of("BOOT-INF/lib/a.jar"), null);
        BootJarClassPath first = BootJarClassPath.of(dir.resolve("cache"), boot);
        first.unpackNow();
        bootJar(boot, List.of("BOOT-INF/lib/a.jar", "BOOT-INF/lib/b.jar"), null);
        Files.setLastModifiedTime(boot, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(boot).toMillis() + 5_000));

        BootJarClassPath second = BootJarClassPath.of(dir.resolve("cache"), boot);

        assertThat(second.directory()).isNotEqualTo(first.directory());
        assertThat(second.classPath()).isNull();
    }

    /** A zip with the given entries, each holding its own name, and {@code BOOT-INF/classpath.idx} when given. */
    private static Path bootJar(Path file, List<String> entries, String index) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String name : entries) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(name.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            if (index != null) {
                zip.putNextEntry(new ZipEntry("BOOT-INF/classpath.idx"));
                zip.write(index.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }
}
