package dev.molt.accel.client.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A worker process and everything it started.
 *
 * <p>{@link ProcessHandle#descendants()} alone does not find a grandchild whose parent exited: it is
 * reparented (to init or a subreaper) and drops out of the tree, while it may still hold the
 * worker's pipes. So every worker gets a random marker in its environment ({@link #MARKER_VARIABLE}
 * = 128 random bits in hex, see {@link #newMarker()}), which its descendants inherit, and the
 * members are found through {@code /proc}: the processes of the same user whose
 * {@code /proc/<pid>/environ} holds that exact entry, whatever became of their parents. The
 * marker is random, so a scan cannot pick up a stranger; a descendant that clears or rewrites its
 * environment escapes. The scan runs only when the members are asked for (ready, terminate, kill),
 * never per call.
 *
 * <p>Opt-in: the worker is launched as the leader of its own session
 * ({@link #sessionLeaderCommand}, through util-linux {@code setsid}, which execs in place because
 * a freshly started child of the JVM is not a process group leader: the worker keeps the pid of
 * the {@link Process}), and the members of that session are found instead; that also holds a
 * descendant that clears its environment, but on kernels that group CPU scheduling by session
 * (autogroup) each worker becomes a scheduling group of its own, which costs every round trip.
 * Session ids are not reused while any member lives. A member that starts a session of its own
 * escapes; nothing short of a cgroup can hold such a process.
 *
 * <p>In both cases every {@link #members()} call also remembers the descendants it saw, so one seen
 * once stays owned after its parent exits (the only means where {@code /proc} is missing). Call
 * {@link #members()} while the leader is alive (for example once it is ready) to make that useful.
 *
 * <p>Thread-safe. The tree does not own the {@link Process} streams; whoever started the process
 * closes them.
 */
public final class ProcessTree {

    private static final Path PROC = Path.of("/proc");
    /** A stat line is under 200 bytes; the command name is at most 64; the fields needed come early. */
    private static final int STAT_READ_BYTES = 512;
    private static final long KILL_POLL_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The environment a worker starts with is small; a marker past this many bytes is not looked for. */
    static final int ENVIRON_READ_BYTES = 64 * 1024;

    /** The environment variable that marks every process of one worker's tree. */
    public static final String MARKER_VARIABLE = "MOLT_ACCEL_WORKER_TREE";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Process process;
    private final boolean ownSession;
    private final long pid;
    /** {@code MARKER_VARIABLE=value} in bytes, or {@code null}: the environment entry scanned for (not in an own session). */
    private final byte[] markerEntry;
    /** Every process ever seen as a member, for the descendants fallback; pruned of the dead. */
    private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();

    private ProcessTree(Process process, boolean ownSession, String marker) {
        this.process = process;
        this.ownSession = ownSession && sessionsSupported();
        this.pid = process.pid();
        this.markerEntry = this.ownSession || marker == null || !Support.PROC_READABLE
                ? null : (MARKER_VARIABLE + "=" + marker).getBytes(StandardCharsets.US_ASCII);
    }

    /** A fresh marker value: 128 random bits as 32 lower-case hex digits. */
    public static String newMarker() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The command to run so the child leads its own session; unchanged when setsid is unavailable.
     *
     * <p>Two consequences for the caller. A command that cannot be executed no longer makes
     * {@link ProcessBuilder#start()} throw: {@code setsid} starts, prints the reason on stderr and
     * exits with 127 (not found) or 126 (not executable), so resolve the executable first to keep a
     * clear start error. And the worker has no controlling terminal: a Ctrl-C in the application's
     * terminal no longer reaches it, so the application ends its workers itself (stdin EOF when it
     * dies, {@link #terminate()}/{@link #kill()} when it closes).
     */
    public static List<String> sessionLeaderCommand(List<String> command) {
        Objects.requireNonNull(command, "command");
        String setsid = Support.SETSID;
        if (setsid == null) {
            return command;
        }
        List<String> cmd = new ArrayList<>(command.size() + 1);
        cmd.add(setsid);
        cmd.addAll(command);
        return cmd;
    }

    /** Whether workers can be started as session leaders and their sessions read from /proc. */
    public static boolean sessionsSupported() {
        return Support.SETSID != null && Support.PROC_READABLE;
    }

    /** The tree of a started process; ownSession = it was started through sessionLeaderCommand. */
    public static ProcessTree of(Process process, boolean ownSession) {
        return of(process, ownSession, null);
    }

    /**
     * The tree of a started process.
     *
     * @param ownSession it was started through {@link #sessionLeaderCommand}: its session is scanned
     * @param marker the value of {@link #MARKER_VARIABLE} in its environment, or {@code null}; scanned
     *     for when the process does not lead its own session
     */
    public static ProcessTree of(Process process, boolean ownSession, String marker) {
        Objects.requireNonNull(process, "process");
        return new ProcessTree(process, ownSession, marker);
    }

    /** The leader's pid: the worker's own pid, also when it was started through {@code setsid}. */
    public long pid() {
        return pid;
    }

    /** Whether the session of the leader is scanned (it was started through {@link #sessionLeaderCommand}). */
    public boolean ownSession() {
        return ownSession;
    }

    /**
     * Live members now: the leader if alive, its descendants, the descendants seen before, and every
     * process of the session (own session) or with the marker in its environment (otherwise).
     */
    public Set<ProcessHandle> members() {
        Set<ProcessHandle> found = new LinkedHashSet<>();
        if (process.isAlive()) {
            found.add(process.toHandle());
        }
        try {
            process.descendants().forEach(found::add);
        } catch (RuntimeException e) {
            // the tree changed under the JDK's walk or /proc is unreadable: the session scan still counts
        }
        if (ownSession) {
            sessionMembers(pid, found);
        } else if (markerEntry != null) {
            markedMembers(markerEntry, found);
        }
        seen.removeIf(h -> !isLive(h));
        found.removeIf(h -> !isLive(h));
        seen.addAll(found);
        found.addAll(seen);
        return found;
    }

    /** SIGTERM to every member. */
    public void terminate() {
        for (ProcessHandle h : members()) {
            if (h.pid() == pid) {
                process.destroy();
            } else {
                h.destroy();
            }
        }
    }

    /** SIGKILL to every member, the leader included. */
    public void kill() {
        for (ProcessHandle h : members()) {
            if (h.pid() != pid) {
                h.destroyForcibly();
            }
        }
        process.destroyForcibly();
    }

    /**
     * {@link #kill()} again and again until no member is alive or {@code timeout} has passed, so
     * that a member forking while it is killed is caught too. Blocks the caller (polling, at most
     * 50 ms between scans): run it off the timer.
     *
     * @return whether the whole tree is gone
     */
    public boolean killAndWait(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            kill();
            if (!anyAlive()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(pause, left));
            pause = Math.min(pause * 2, KILL_POLL_MAX_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                return !anyAlive();
            }
        }
    }

    /**
     * Completes when the leader exits (Process.onExit()), not on stdout EOF, which never comes
     * while a grandchild holds the pipe. (On JDK 17 the exit also makes the JDK's reaper drain and
     * close the process's stdout and stderr streams, but only once no thread is blocked reading
     * them: a reader blocked on a pipe a grandchild holds stays blocked until the tree is killed.)
     */
    public CompletableFuture<Process> onLeaderExit() {
        return process.onExit();
    }

    /** Whether any member (leader or session member) is still alive. */
    public boolean anyAlive() {
        return process.isAlive() || !members().isEmpty();
    }

    @Override
    public String toString() {
        return "process tree " + pid + (ownSession ? " (own session)" : markerEntry != null ? " (marked)" : "");
    }

    // ---------------------------------------------------------------- /proc

    /**
     * Whether process {@code pid} is alive and not a zombie: an orphan that was killed stays a
     * zombie until init reaps it (in some containers never), and the JDK reports a zombie as alive;
     * it holds no pipe and cannot be killed further.
     */
    public static boolean isLive(long pid) {
        return ProcessHandle.of(pid).map(ProcessTree::isLive).orElse(false);
    }

    private static boolean isLive(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        if (!Support.PROC_READABLE) {
            return true;
        }
        Stat stat = readStat(h.pid());
        return stat != null && stat.state() != 'Z' && stat.state() != 'X';
    }

    /** Adds the live processes of session {@code sid} to {@code out}; one pass over /proc. */
    static void sessionMembers(long sid, Set<ProcessHandle> out) {
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path entry : dir) {
                long p = parsePid(entry.getFileName().toString());
                if (p <= 0) {
                    continue;
                }
                Stat stat = readStat(p);
                if (stat != null && stat.session() == sid && stat.state() != 'Z' && stat.state() != 'X') {
                    ProcessHandle.of(p).ifPresent(out::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc unreadable now: descendants and the remembered members still count
        }
    }

    /**
     * Adds the live processes of this user whose environment holds {@code entry} (an exact
     * {@code NAME=value} entry) to {@code out}; one pass over /proc, at most
     * {@link #ENVIRON_READ_BYTES} read per process. A process that vanished or whose environment
     * cannot be read is skipped.
     */
    static void markedMembers(byte[] entry, Set<ProcessHandle> out) {
        int uid = Support.UID;
        long self = ProcessHandle.current().pid();
        byte[] buf = new byte[ENVIRON_READ_BYTES];
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path entryPath : dir) {
                long p = parsePid(entryPath.getFileName().toString());
                if (p <= 0 || p == self || (uid >= 0 && ownerUid(entryPath) != uid)) {
                    continue;
                }
                int len = readEnviron(p, buf);
                if (len > 0 && hasEntry(buf, len, entry) && isLive(p)) {
                    ProcessHandle.of(p).ifPresent(out::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc unreadable now: descendants and the remembered members still count
        }
    }

    /** The uid owning a /proc entry, or -1 when it is gone or the attribute is unsupported. */
    private static int ownerUid(Path procEntry) {
        try {
            return (Integer) Files.getAttribute(procEntry, "unix:uid");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Reads up to {@code buf.length} bytes of {@code /proc/<p>/environ}; -1 when it cannot be read. */
    private static int readEnviron(long p, byte[] buf) {
        int len = 0;
        try (InputStream in = Files.newInputStream(PROC.resolve(Long.toString(p)).resolve("environ"))) {
            int n;
            while (len < buf.length && (n = in.read(buf, len, buf.length - len)) > 0) {
                len += n;
            }
        } catch (IOException | RuntimeException e) {
            return -1; // gone, or another user's (permission denied)
        }
        return len;
    }

    /**
     * Whether the NUL-separated entries in {@code buf[0, len)} include exactly {@code entry}. Linear:
     * each byte is looked at at most twice (once in a comparison, once while skipping to the next NUL).
     * An entry cut off by the read limit does not count.
     */
    static boolean hasEntry(byte[] buf, int len, byte[] entry) {
        int i = 0;
        while (i < len) {
            int end = i;
            while (end < len && buf[end] != 0) {
                end++;
            }
            if (end < len && end - i == entry.length && Arrays.equals(buf, i, end, entry, 0, entry.length)) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    /** The decimal pid a /proc entry is named after, or -1 for any other entry. */
    static long parsePid(String name) {
        int n = name.length();
        if (n == 0 || n > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The fields of {@code /proc/<pid>/stat} this class needs; {@code null} when the process is gone. */
    static Stat readStat(long p) {
        byte[] buf = new byte[STAT_READ_BYTES];
        int len = 0;
        try (InputStream in = Files.newInputStream(PROC.resolve(Long.toString(p)).resolve("stat"))) {
            int n;
            while (len < buf.length && (n = in.read(buf, len, buf.length - len)) > 0) {
                len += n;
            }
        } catch (IOException | RuntimeException e) {
            return null; // it exited between the listing and the read
        }
        return parseStat(buf, len);
    }

    /**
     * Parses {@code pid (comm) state ppid pgrp session ...}. The command name may hold spaces and
     * parentheses, so the fields start after the last {@code ')'}.
     *
     * @return the fields, or {@code null} when the text is not a stat line
     */
    static Stat parseStat(byte[] buf, int len) {
        int close = -1;
        for (int i = len - 1; i >= 0; i--) {
            if (buf[i] == ')') {
                close = i;
                break;
            }
        }
        if (close < 0 || close + 2 >= len) {
            return null;
        }
        int i = close + 2; // ") " then the state
        char state = (char) buf[i];
        long[] fields = new long[3]; // ppid, pgrp, session
        i++;
        for (int f = 0; f < fields.length; f++) {
            if (i >= len || buf[i] != ' ') {
                return null;
            }
            i++;
            boolean negative = i < len && buf[i] == '-';
            if (negative) {
                i++;
            }
            int start = i;
            long v = 0;
            while (i < len && buf[i] >= '0' && buf[i] <= '9' && i - start < 19) {
                v = v * 10 + (buf[i] - '0');
                i++;
            }
            if (i == start) {
                return null;
            }
            fields[f] = negative ? -v : v;
        }
        return new Stat(state, fields[0], fields[1], fields[2]);
    }

    /** The leading fields of a stat line. */
    record Stat(char state, long ppid, long pgrp, long session) {
    }

    /** Resolved once, on first use. */
    private static final class Support {
        static final String SETSID = findSetsid();
        static final boolean PROC_READABLE = procReadable();
        /** This process's uid, or -1 when /proc does not say (then the environ read permission decides). */
        static final int UID = PROC_READABLE ? ownerUid(PROC.resolve(Long.toString(ProcessHandle.current().pid()))) : -1;

        private static String findSetsid() {
            String path = System.getenv("PATH");
            List<Path> candidates = new ArrayList<>();
            if (path != null) {
                for (String dir : path.split(File.pathSeparator)) {
                    if (!dir.isEmpty()) {
                        candidates.add(Path.of(dir, "setsid"));
                    }
                }
            }
            candidates.add(Path.of("/usr/bin/setsid"));
            Optional<Path> found = candidates.stream()
                    .filter(p -> p.isAbsolute() && Files.isRegularFile(p) && Files.isExecutable(p))
                    .findFirst();
            return found.map(Path::toString).orElse(null);
        }

        /**
         * Whether /proc holds this process's stat line. Its session may read 0: a process whose
         * session leader lives outside its PID namespace (a container's exec, say) still reads
         * /proc, and the sessions it starts itself get their own ids.
         */
        private static boolean procReadable() {
            return readStat(ProcessHandle.current().pid()) != null;
        }
    }
}
