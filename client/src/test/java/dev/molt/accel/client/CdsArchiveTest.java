package dev.molt.accel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workers' class-data archive: created once by a throw-away worker, reused, never in the way of a start. */
class CdsArchiveTest {

    private static final CallOptions SLOW = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

    /** This JVM's class path with every directory packed into a jar: the JVM archives classes from jars only. */
    private static String jarClassPath(Path dir) throws IOException {
        StringJoiner out = new StringJoiner(File.pathSeparator);
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                Path jar = dir.resolve("cp" + (n++) + ".jar");
                try (JarOutputStream jos = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        jos.putNextEntry(new JarEntry(p.relativize(f).toString().replace(File.separatorChar, '/')));
                        Files.copy(f, jos);
                        jos.closeEntry();
                    }
                }
                out.add(jar.toString());
            } else if (Files.isRegularFile(p)) {
                out.add(p.toAbsolutePath().toString());
            }
        }
        return out.toString();
    }

    private static List<String> javaCommand(String classPath, List<String> options, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-Xlog:all=warning:stderr");
        cmd.add("-Xshare:auto");
        cmd.addAll(options);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(TestWorkers.TEST_WORKER);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static boolean creating() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals("molt-accel-cds"));
    }

    @Test
    void createdOnceInTheBackgroundThenReused(@TempDir Path dir) throws Exception {
        String cp = jarClassPath(dir);
        Path cache = dir.resolve("cache");
        CdsArchive archive = CdsArchive.of(cache, List.of(), TestWorkers.TEST_WORKER, cp);
        assertThat(archive.usable()).isFalse();
        List<String> command = javaCommand(cp, List.of(), "--stdio");
        archive.createInBackground(command, null);
        await().atMost(Duration.ofSeconds(120)).until(() -> archive.usable() && !creating());
        assertThat(archive.path()).startsWith(cache.resolve("cds"));
        try (Stream<Path> files = Files.list(archive.path().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp") || n.endsWith(".log")))
                    .as("no temporary file or creator log is left").isEmpty();
        }
        FileTime created = Files.getLastModifiedTime(archive.path());

        CdsArchive again = CdsArchive.of(cache, List.of(), TestWorkers.TEST_WORKER, cp);
        assertThat(again.path()).isEqualTo(archive.path());
        assertThat(again.usable()).isTrue();
        again.createInBackground(command, null);
        assertThat(creating()).as("an archive is created once per JVM").isFalse();
        assertThat(Files.getLastModifiedTime(archive.path())).isEqualTo(created);
        assertThat(CdsArchive.of(cache, List.of("-Xmx64m"), TestWorkers.TEST_WORKER, cp).path())
                .as("other JVM options, other archive").isNotEqualTo(archive.path());

        // a worker started with it loads its classes from it
        Path classLog = dir.resolve("classes.log");
        Process p = new ProcessBuilder(javaCommand(cp, List.of("-XX:SharedArchiveFile=" + archive.path(),
                "-Xlog:class+load=info:file=" + classLog), "--version"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readAllLines(classLog)).anySatisfy(line -> assertThat(line)
                .contains(TestWorkers.TEST_WORKER + " source: shared objects file (top)"));
    }

    @Test
    void aDamagedArchiveIsNeverGivenToAWorker(@TempDir Path dir) throws Exception {
        CdsArchive archive = CdsArchive.of(dir, List.of(), "x.Main", dir.resolve("none.jar").toString());
        Files.createDirectories(archive.path().getParent());
        Path sum = archive.path().resolveSibling(archive.path().getFileName() + ".sha256");
        // a truncated archive with a valid header crashed the JDK 17 JVM: the checksum keeps it out
        Files.write(archive.path(), new byte[4096]);
        Files.writeString(sum, "00".repeat(32) + "\n", StandardCharsets.US_ASCII);
        assertThat(archive.usable()).isFalse();
        assertThat(sum).as("the stale checksum is dropped, so the archive is made again").doesNotExist();
        Files.delete(archive.path());
        assertThat(archive.usable()).isFalse();
    }

    @Test
    void aCorruptArchiveFileDoesNotStopAWorker(@TempDir Path dir) throws Exception {
        Path corrupt = dir.resolve("corrupt.jsa");
        try (OutputStream out = Files.newOutputStream(corrupt)) {
            out.write("not a class-data archive".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        }
        try (MoltClient client = TestWorkers.testWorker().javaOptions(List.of("-XX:SharedArchiveFile=" + corrupt)).build()) {
            assertThat(client.call("echo", TestWorkers.map("ok", true), SLOW).value()).isEqualTo(TestWorkers.map("ok", true));
        }
        TestWorkers.assertNoChildren();
    }

    @Test
    void classPathsWithDirectoriesAndTheOptOutGetNoArchive(@TempDir Path dir) throws Exception {
        CdsArchive withDir = CdsArchive.of(dir, List.of(), "x.Main", dir.toString());
        withDir.createInBackground(List.of("java", "-version"), null);
        assertThat(creating()).isFalse();
        assertThat(WorkerLauncher.resolve(MoltClient.builder().environmentDefaults(java.util.Map.of()).workerCds(false))
                .cdsArchive()).isNull();
    }
}
