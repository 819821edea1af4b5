package dev.molt.accel.example.app;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the interpreters of the example workers and their scripts. A missing interpreter fails the
 * test with what to install: the build tests these workers, it never skips them.
 */
final class ScriptWorkers {

    private ScriptWorkers() {
    }

    /** {@code examples/workers}, as the build passes it (else relative to examples/app). */
    static Path workersDir() {
        return Path.of(System.getProperty("molt.examples.workers.dir", "../workers")).toAbsolutePath().normalize();
    }

    /** {@code <python3 with msgpack> examples/workers/python/molt_worker.py}. */
    static List<String> python() {
        return List.of(python3WithMsgpack(), workersDir().resolve("python/molt_worker.py").toString());
    }

    /** {@code node examples/workers/node/molt_worker.js}. */
    static List<String> node() {
        String node = onPath("node");
        if (node == null || !runs(node, "-e", "process.exit(typeof performance === 'object' ? 0 : 1)")) {
            throw new AssertionError("The Node example worker needs Node.js 16 or later as `node` on PATH "
                    + "(Debian: apt-get install nodejs); .ci/run installs it when it is missing");
        }
        return List.of(node, workersDir().resolve("node/molt_worker.js").toString());
    }

    /**
     * The first of {@code $EXAMPLE_PYTHON}, {@code python3} on PATH and {@code /usr/bin/python3} that
     * can import msgpack (a Python of its own, such as pyenv's, often cannot see Debian's package).
     */
    static String python3WithMsgpack() {
        List<String> tried = new ArrayList<>();
        String fromEnv = System.getenv("EXAMPLE_PYTHON");
        for (String candidate : new String[] {fromEnv, onPath("python3"), "/usr/bin/python3"}) {
            if (candidate == null || tried.contains(candidate)) {
                continue;
            }
            tried.add(candidate);
            if (Files.isExecutable(Path.of(candidate)) && runs(candidate, "-c", "import msgpack")) {
                return candidate;
            }
        }
        throw new AssertionError("The Python example worker needs python3 with msgpack "
                + "(Debian: apt-get install python3-msgpack; or set EXAMPLE_PYTHON); tried " + tried
                + "; .ci/run installs it when it is missing");
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
