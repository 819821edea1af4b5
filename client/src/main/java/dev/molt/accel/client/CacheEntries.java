package dev.molt.accel.client;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries of one cache directory ({@code <cache dir>/boot}, {@code <cache dir>/cds}): each is
 * the set of files and directories whose names start with the same 24-hex-digit key (an unpacked
 * class path and its lock; an archive, its checksum, lock and creation log; temporary files of a
 * creation under way). A rebuilt jar or another JVM makes a new key, so without pruning a host
 * that deploys often would keep every version it ever ran.
 *
 * <p>An entry's last use is the newest modification time among its members; a launcher marks its
 * entry used when it starts a worker from it ({@link #markUsed}, at most once an hour per JVM).
 * A JVM whose workers run from an unpacked class path also holds a shared lock on the entry's
 * lock file for as long as it lives ({@link #holdInUse}): a worker JVM opens the jars of its class
 * path as it needs them, so the entry must stay while any of them may still run. After an entry is
 * created, the others of its directory are deleted when no JVM used them for {@link #UNUSED}, they
 * are not among the {@link #KEEP} used last, they are wholly owned by this user, and their lock
 * file can be locked exclusively (no creation, check or live user holds it). Temporary members
 * older than a day (a creation that was killed) are deleted from any entry. Thread-safe; failures
 * are logged at DEBUG and skipped.
 */
final class CacheEntries {

    private static final Logger log = LoggerFactory.getLogger(CacheEntries.class);

    /** How long an entry no one used (and no live JVM holds) is kept. */
    static final Duration UNUSED = Duration.ofDays(1);
    /** How many of the entries used last are kept whatever their age. */
    static final int KEEP = 3;
    /** How old a temporary member must be to count as left by a creation that was killed. */
    static final Duration STALE_TEMPORARY = Duration.ofDays(1);

    private static final int KEY_LENGTH = 24;
    private static final long MARK_EVERY_NANOS = Duration.ofHours(1).toNanos();
    /** When this JVM last marked each path used (its {@code System.nanoTime()}). */
    private static final Map<Path, Long> MARKED = new ConcurrentHashMap<>();
    /** Shared locks this JVM holds on the lock files of the entries it uses, by lock file. */
    private static final Map<Path, FileLock> HELD = new ConcurrentHashMap<>();

    private CacheEntries() {
    }

    /**
     * Holds a shared lock on {@code lockFile} until this JVM exits (the system releases it then,
     * however the JVM ends), so that no process deletes the entry meanwhile. Does nothing when held
     * already; when an exclusive lock is in the way (a creation or a pruning under way), tries
     * again at the next call.
     */
    static void holdInUse(Path lockFile) {
        if (HELD.containsKey(lockFile)) {
            return;
        }
        synchronized (HELD) {
            if (HELD.containsKey(lockFile)) {
                return;
            }
            FileChannel ch = null;
            try {
                ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
                if (lock != null) {
                    HELD.put(lockFile, lock);
                    return;
                }
            } catch (IOException | OverlappingFileLockException e) {
                log.debug("Cannot hold {}: {}", lockFile, e.toString());
            }
            closeQuietly(ch);
        }
    }

    /** Lets go of the shared lock {@link #holdInUse} took on {@code lockFile}, if any. */
    static void release(Path lockFile) {
        synchronized (HELD) {
            FileLock lock = HELD.remove(lockFile);
            if (lock != null) {
                closeQuietly(lock.channel());
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("Cannot close a lock file: {}", e.toString());
        }
    }

    /** Sets {@code member}'s modification time to now unless this JVM did so within the hour. */
    static void markUsed(Path member) {
        long now = System.nanoTime();
        Long last = MARKED.get(member);
        if (last != null && now - last < MARK_EVERY_NANOS) {
            return;
        }
        MARKED.put(member, now);
        try {
            Files.setLastModifiedTime(member, FileTime.from(Instant.now()));
        } catch (IOException | RuntimeException e) {
            log.debug("Cannot mark {} used: {}", member, e.toString());
        }
    }

    /**
     * Deletes the entries of {@code directory} that are unused (see the class comment), never the
     * one of {@code current}. After an entry's key, {@code lockSuffix} names its lock file and
     * {@code validSuffix} the file without which a reader will not use it: that file goes first, so
     * that an entry half deleted is never taken for a whole one.
     */
    static void prune(Path directory, String current, String lockSuffix, String validSuffix) {
        prune(directory, current, lockSuffix, validSuffix, Instant.now());
    }

    static void prune(Path directory, String current, String lockSuffix, String validSuffix, Instant now) {
        Map<String, List<Path>> entries = new LinkedHashMap<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(directory)) {
            for (Path p : all) {
                String key = keyOf(p.getFileName().toString());
                if (key != null) {
                    entries.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Cannot list {}: {}", directory, e.toString());
            return;
        }
        Map<String, Instant> lastUse = new LinkedHashMap<>();
        for (Map.Entry<String, List<Path>> e : entries.entrySet()) {
            lastUse.put(e.getKey(), deleteStaleTemporaries(e.getValue(), now));
        }
        List<String> byUse = new ArrayList<>(lastUse.keySet());
        byUse.sort(Comparator.comparing(lastUse::get).reversed());
        Instant unusedSince = now.minus(UNUSED);
        for (int i = KEEP; i < byUse.size(); i++) {
            String key = byUse.get(i);
            if (!key.equals(current) && lastUse.get(key).isBefore(unusedSince)) {
                delete(directory, key, entries.get(key), lockSuffix, validSuffix);
            }
        }
    }

    /** The key a member's name starts with, or {@code null} for a name that is no member. */
    static String keyOf(String name) {
        if (name.length() < KEY_LENGTH || (name.length() > KEY_LENGTH && name.charAt(KEY_LENGTH) != '.')) {
            return null;
        }
        for (int i = 0; i < KEY_LENGTH; i++) {
            char c = name.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return null;
            }
        }
        return name.substring(0, KEY_LENGTH);
    }

    /** Deletes the entry's temporary members older than a day; returns the entry's last use. */
    private static Instant deleteStaleTemporaries(List<Path> members, Instant now) {
        Instant newest = Instant.EPOCH;
        for (Path p : List.copyOf(members)) {
            Instant modified;
            try {
                modified = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
            } catch (IOException e) {
                members.remove(p);
                continue;
            }
            if (p.getFileName().toString().endsWith(".tmp") && modified.isBefore(now.minus(STALE_TEMPORARY))
                    && ownedByMe(p)) {
                try {
                    deleteTree(p);
                    members.remove(p);
                    continue;
                } catch (IOException e) {
                    log.debug("Cannot delete {}: {}", p, e.toString());
                }
            }
            if (modified.isAfter(newest)) {
                newest = modified;
            }
        }
        return newest;
    }

    private static void delete(Path directory, String key, List<Path> members, String lockSuffix, String validSuffix) {
        for (Path p : members) {
            if (!ownedByMe(p)) {
                return;
            }
        }
        Path lockPath = directory.resolve(key + lockSuffix);
        if (HELD.containsKey(lockPath)) {
            // in use here; and opening the file again would be closing it again, which ends this
            // process's POSIX locks on it, the held one included
            return;
        }
        try (FileChannel lockFile = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                return; // being created or checked, or in use, by another process
            }
            Files.deleteIfExists(directory.resolve(key + validSuffix));
            for (Path p : members) {
                if (!p.equals(lockPath)) {
                    deleteTree(p);
                }
            }
            Files.deleteIfExists(lockPath);
            log.debug("Deleted unused cache entry {} in {}", key, directory);
        } catch (OverlappingFileLockException e) {
            // this JVM holds it: being created, or in use
        } catch (IOException | RuntimeException e) {
            log.debug("Cannot delete cache entry {} in {}: {}", key, directory, e.toString());
        }
    }

    private static boolean ownedByMe(Path p) {
        try {
            return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Deletes {@code p} and, for a directory, what is in it (links themselves, never their targets). */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
