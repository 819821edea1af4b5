package dev.molt.accel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.molt.accel.test.worker.TestWorker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real process trees: shells that fork sleeps and exit, several levels deep, and a JVM reporting its pid. */
class ProcessTreeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final List<ProcessTree> trees = new ArrayList<>();
    private final List<Long> strays = new ArrayList<>();

    @AfterEach
    void killEverything() {
        trees.forEach(t -> t.killAndWait(Duration.ofSeconds(5)));
        strays.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    void setsidRunsInPlaceSoTheLeaderPidIsTheWorkersOwnPid() throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        List<String> java = List.of(
                ProcessHandle.current().info().command()
                        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                PidReporter.class.getName());
        Process p = start(ProcessTree.sessionLeaderCommand(java));
        ProcessTree tree = track(ProcessTree.of(p, true));
        String reported = firstLine(p);
        assertThat(Long.parseLong(reported.trim())).isEqualTo(p.pid()).isEqualTo(tree.pid());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void aTestWorkerThatForksAndExitsAtStartLeavesItsGrandchildInTheTree(@TempDir Path dir) throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        Path starts = dir.resolve("starts");
        Path children = dir.resolve("children");
        ProcessBuilder pb = new ProcessBuilder(ProcessTree.sessionLeaderCommand(
                TestWorker.command("--stdio"))).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("MOLT_TEST_MODE", "fork_exit_at_start");
        pb.environment().put("MOLT_TEST_START_LOG", starts.toString());
        pb.environment().put("MOLT_TEST_CHILD_LOG", children.toString());
        Process p = pb.start();
        ProcessTree tree = track(ProcessTree.of(p, true));
        tree.onLeaderExit().get(30, TimeUnit.SECONDS);
        // the worker logged its own pid at start: setsid ran it in place
        assertThat(Files.readAllLines(starts)).containsExactly(Long.toString(p.pid()));
        long grandchild = Long.parseLong(Files.readAllLines(children).get(0).trim());
        strays.add(grandchild);

        assertThat(pids(tree.members())).containsExactly(grandchild);
        assertThat(pids(p.descendants().collect(Collectors.toSet()))).doesNotContain(grandchild);
        assertThat(tree.killAndWait(WAIT)).isTrue();
        assertThat(ProcessTree.isLive(grandchild)).isFalse();
    }

    @Test
    void theLeaderOfItsOwnSessionIsTheSessionId() throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        Process p = start(ProcessTree.sessionLeaderCommand(List.of("sh", "-c", "echo $$; exec sleep 600")));
        ProcessTree tree = track(ProcessTree.of(p, true));
        assertThat(Long.parseLong(firstLine(p))).isEqualTo(p.pid());
        ProcessTree.Stat stat = ProcessTree.readStat(p.pid());
        assertThat(stat).isNotNull();
        assertThat(stat.session()).isEqualTo(p.pid());
        assertThat(stat.pgrp()).isEqualTo(p.pid());
        assertThat(stat.ppid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(pids(tree.members())).containsExactly(p.pid());
        tree.kill();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        await().atMost(WAIT).until(() -> !tree.anyAlive());
    }

    @Test
    void aGrandchildWhoseParentExitedStaysAMemberAndKillEndsIt() throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        // the sleep inherits stdout and stderr: it holds the pipes after its parent has gone
        Process p = start(ProcessTree.sessionLeaderCommand(List.of("sh", "-c", "sleep 600 & echo $!")));
        ProcessTree tree = track(ProcessTree.of(p, true));
        long grandchild = Long.parseLong(firstLine(p));
        strays.add(grandchild);
        tree.onLeaderExit().get(20, TimeUnit.SECONDS);
        assertThat(p.isAlive()).isFalse();

        // reparented: the JDK's view of the tree has lost it, the session has not
        assertThat(pids(p.descendants().collect(Collectors.toSet()))).doesNotContain(grandchild);
        assertThat(pids(tree.members())).containsExactly(grandchild);
        assertThat(tree.anyAlive()).isTrue();

        tree.kill();
        await().atMost(WAIT).until(() -> !ProcessTree.isLive(grandchild));
        assertThat(tree.members()).isEmpty();
        assertThat(tree.anyAlive()).isFalse();
    }

    @Test
    void terminateEndsATreeOfSeveralLevels() throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        // leader -> subshell -> shell -> two sleeps, and the leader's own sleep; the middle shell exits early
        String script = "sh -c 'sh -c \"sleep 600 & sleep 600 & echo ready\" & wait' & sleep 600 & wait";
        Process p = start(ProcessTree.sessionLeaderCommand(List.of("sh", "-c", script)));
        ProcessTree tree = track(ProcessTree.of(p, true));
        assertThat(firstLine(p)).isEqualTo("ready");
        await().atMost(WAIT).until(() -> sleeps(tree) == 3);
        Set<Long> before = pids(tree.members());
        strays.addAll(before);

        tree.terminate();
        await().atMost(WAIT).until(() -> !tree.anyAlive());
        before.forEach(pid -> assertThat(ProcessTree.isLive(pid)).isFalse());
    }

    @Test
    void killEndsATreeThatIgnoresSigterm() throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        // an ignored signal stays ignored across fork and exec: every level ignores SIGTERM
        String script = "trap '' TERM; sh -c 'sleep 600 & sleep 600 & echo ready; wait' & wait";
        Process p = start(ProcessTree.sessionLeaderCommand(List.of("sh", "-c", script)));
        ProcessTree tree = track(ProcessTree.of(p, true));
        assertThat(firstLine(p)).isEqualTo("ready");
        await().atMost(WAIT).until(() -> sleeps(tree) == 2);
        strays.addAll(pids(tree.members()));
        tree.terminate();

        assertThat(tree.killAndWait(WAIT)).isTrue();
        assertThat(p.isAlive()).isFalse();
        assertThat(tree.members()).isEmpty();
    }

    @Test
    void withoutASessionTheDescendantsSeenBeforeTheParentExitedStayOwned() throws Exception {
        Process p = start(List.of("sh", "-c", "sleep 600 & echo $!; exec sleep 600"));
        ProcessTree tree = track(ProcessTree.of(p, false));
        assertThat(tree.ownSession()).isFalse();
        long grandchild = Long.parseLong(firstLine(p));
        strays.add(grandchild);
        await().atMost(WAIT).until(() -> pids(tree.members()).contains(grandchild));

        p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        assertThat(pids(p.descendants().collect(Collectors.toSet()))).doesNotContain(grandchild);
        assertThat(pids(tree.members())).containsExactly(grandchild);

        assertThat(tree.killAndWait(WAIT)).isTrue();
        assertThat(ProcessTree.isLive(grandchild)).isFalse();
    }

    @Test
    void aGrandchildWhoseParentExitedIsFoundByTheMarkerAndKilled() throws Exception {
        assumeThat(Path.of("/proc/self/environ").toFile().canRead()).as("/proc").isTrue();
        String marker = ProcessTree.newMarker();
        assertThat(marker).hasSize(32).matches("[0-9a-f]{32}");
        Process p = startMarked(List.of("sh", "-c", "sleep 600 & echo $!"), marker);
        ProcessTree tree = track(ProcessTree.of(p, false, marker));
        long grandchild = Long.parseLong(firstLine(p));
        strays.add(grandchild);
        // no members() call before the parent exits: only the marker can find the orphan
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessTree.isLive(grandchild)).isTrue();

        assertThat(pids(tree.members())).containsExactly(grandchild);
        assertThat(tree.killAndWait(WAIT)).isTrue();
        assertThat(ProcessTree.isLive(grandchild)).isFalse();
        assertThat(tree.members()).isEmpty();
    }

    @Test
    void aProcessWithoutTheExactMarkerIsNeverTouched() throws Exception {
        assumeThat(Path.of("/proc/self/environ").toFile().canRead()).as("/proc").isTrue();
        String marker = ProcessTree.newMarker();
        Process p = startMarked(List.of("sh", "-c", "sleep 600 & echo $!; exec sleep 600"), marker);
        ProcessTree tree = track(ProcessTree.of(p, false, marker));
        long grandchild = Long.parseLong(firstLine(p));
        strays.add(grandchild);
        Process unmarked = start(List.of("sleep", "600"));
        Process longer = startMarked(List.of("sleep", "600"), marker + "0");
        Process other = startMarked(List.of("sleep", "600"), ProcessTree.newMarker());
        List<Process> bystanders = List.of(unmarked, longer, other);
        try {
            await().atMost(WAIT).until(() -> pids(tree.members()).containsAll(List.of(p.pid(), grandchild)));
            assertThat(pids(tree.members())).doesNotContainAnyElementsOf(bystanders.stream().map(Process::pid).toList());

            assertThat(tree.killAndWait(WAIT)).isTrue();
            assertThat(ProcessTree.isLive(grandchild)).isFalse();
            assertThat(bystanders).allMatch(Process::isAlive);
        } finally {
            bystanders.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void theMarkerMustBeAWholeEnvironmentEntry() {
        byte[] entry = bytes("M=ab");
        assertThat(hasEntry("A=1\0M=ab\0B=2\0", entry)).isTrue();
        assertThat(hasEntry("M=ab\0", entry)).isTrue();
        assertThat(hasEntry("M=abc\0XM=ab\0M=a\0", entry)).isFalse();
        assertThat(hasEntry("A=1\0M=ab", entry)).as("cut off by the read limit").isFalse();
        assertThat(hasEntry("X=M=ab\0", entry)).isFalse();
        assertThat(ProcessTree.hasEntry(new byte[0], 0, entry)).isFalse();
        // linear: a read limit's worth of NUL-free bytes, and of tiny entries, are scanned quickly
        byte[] big = new byte[ProcessTree.ENVIRON_READ_BYTES];
        java.util.Arrays.fill(big, (byte) 'M');
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            assertThat(ProcessTree.hasEntry(big, big.length, entry)).isFalse();
        }
        java.util.Arrays.fill(big, (byte) 0);
        for (int i = 0; i < 200; i++) {
            assertThat(ProcessTree.hasEntry(big, big.length, entry)).isFalse();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    private static boolean hasEntry(String environ, byte[] entry) {
        byte[] b = bytes(environ);
        return ProcessTree.hasEntry(b, b.length, entry);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Process startMarked(List<String> command, String marker) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put(ProcessTree.MARKER_VARIABLE, marker);
        return pb.start();
    }

    @Test
    void aZombieIsNotAMember() throws Exception {
        assumeThat(ProcessTree.sessionsSupported()).as("setsid and /proc").isTrue();
        // The shell's first child exits only when the test writes a byte, after the shell has
        // become `sleep`, which never waits for children: the child stays a zombie. (A child that
        // exits on its own may be reaped by the shell before its exec on a busy machine.)
        Process p = start(ProcessTree.sessionLeaderCommand(List.of("sh", "-c",
                "exec 3<&0; head -c 1 <&3 >/dev/null & echo $!; exec sleep 600 3<&-")));
        ProcessTree tree = track(ProcessTree.of(p, true));
        long zombie = Long.parseLong(firstLine(p));
        Path comm = Path.of("/proc", Long.toString(p.pid()), "comm");
        await().atMost(WAIT).until(() -> Files.readString(comm).strip().equals("sleep"));
        p.getOutputStream().write('x');
        p.getOutputStream().flush();
        await().atMost(WAIT).until(() -> {
            ProcessTree.Stat st = ProcessTree.readStat(zombie);
            return st != null && st.state() == 'Z';
        });
        assertThat(ProcessTree.isLive(zombie)).isFalse();
        assertThat(pids(tree.members())).containsExactly(p.pid());
    }

    @Test
    void sessionLeaderCommandPrefixesSetsidOnlyWhenAvailable() {
        List<String> cmd = List.of("worker", "--stdio");
        List<String> wrapped = ProcessTree.sessionLeaderCommand(cmd);
        if (ProcessTree.sessionsSupported()) {
            assertThat(wrapped).hasSize(3).endsWith("worker", "--stdio");
            assertThat(Path.of(wrapped.get(0)).getFileName().toString()).isEqualTo("setsid");
        } else {
            assertThat(wrapped).isIn(cmd, List.of(wrapped.get(0), "worker", "--stdio"));
        }
    }

    @Test
    void statParsingTakesTheFieldsAfterTheLastParenthesis() {
        assertThat(stat("4242 (sh) S 1 4242 4242 0 -1 4194560 95 0 0 0")).isEqualTo(new ProcessTree.Stat('S', 1, 4242, 4242));
        assertThat(stat("77 (a) b) (c d) R 5 -6 7 0")).isEqualTo(new ProcessTree.Stat('R', 5, -6, 7));
        assertThat(stat("78 ()) Z 0 0 0")).isEqualTo(new ProcessTree.Stat('Z', 0, 0, 0));
        assertThat(stat("")).isNull();
        assertThat(stat("79 (x)")).isNull();
        assertThat(stat("79 (x) S 1 2")).isNull();
        assertThat(stat("79 (x) S a b c")).isNull();
        assertThat(stat("no parenthesis S 1 2 3")).isNull();
        assertThat(ProcessTree.parsePid("123")).isEqualTo(123);
        assertThat(ProcessTree.parsePid("self")).isEqualTo(-1);
        assertThat(ProcessTree.parsePid("")).isEqualTo(-1);
        assertThat(ProcessTree.parsePid("12345678901")).isEqualTo(-1);
    }

    @Test
    void ownStatLineIsReadable() {
        assumeThat(Path.of("/proc/self/stat").toFile().canRead()).isTrue();
        ProcessTree.Stat self = ProcessTree.readStat(ProcessHandle.current().pid());
        assertThat(self).isNotNull();
        assertThat(self.ppid()).isEqualTo(ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L));
        assertThat(ProcessTree.readStat(Long.MAX_VALUE / 2)).isNull();
    }

    private static ProcessTree.Stat stat(String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return ProcessTree.parseStat(b, b.length);
    }

    private ProcessTree track(ProcessTree tree) {
        trees.add(tree);
        return tree;
    }

    private static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The first line of stdout; never reads to EOF, which a grandchild holding the pipe would delay. */
    private static String firstLine(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertThat(line).as("first line of the child's stdout").isNotNull();
        return line.trim();
    }

    private static long sleeps(ProcessTree tree) {
        return tree.members().stream()
                .filter(h -> h.info().command().map(c -> c.endsWith("/sleep") || c.equals("sleep")).orElse(false))
                .count();
    }

    private static Set<Long> pids(Set<ProcessHandle> handles) {
        return handles.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** A JVM that reports the pid it sees for itself. */
    public static final class PidReporter {
        public static void main(String[] args) {
            System.out.println(ProcessHandle.current().pid());
            System.out.flush();
        }
    }
}
