package dev.molt.accel.test.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.ProtocolException;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.worker.MoltWorker;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The hostile modes of {@link TestWorker} (see its Javadoc): the worker serves through a filter on
 * its real stdin and stdout that rewrites response frames, stops reading, forks grandchildren or
 * floods stderr. Test code; one instance per process.
 */
final class HostileStdio {

    static final Set<String> MODES = Set.of("garbage", "unknown_ids", "huge_claims", "huge_payload_claims",
            "no_stdin", "stderr_flood", "stderr_lines", "fork", "fork_exit", "fork_exit_at_start", "ping_ok");

    /** An id offset no client reaches: the client numbers its requests from 1. */
    private static final long UNKNOWN_ID_OFFSET = 1L << 40;
    private static final int GIB = 1 << 30;

    private final Set<String> modes;
    private final Set<Long> pingIds = ConcurrentHashMap.newKeySet();
    private final CountDownLatch pingAnswered = new CountDownLatch(1);
    private final OutputStream realOut;
    private final PrintStream err;

    private HostileStdio(Set<String> modes, OutputStream realOut, PrintStream err) {
        this.modes = modes;
        this.realOut = realOut;
        this.err = err;
    }

    /** The modes named in {@code MOLT_TEST_MODE} (comma-separated); an unknown name is an error. */
    static Set<String> parseModes(String value) {
        Set<String> out = new LinkedHashSet<>();
        if (value == null) {
            return out;
        }
        for (String part : value.split(",")) {
            String m = part.trim().toLowerCase(Locale.ROOT);
            if (m.isEmpty()) {
                continue;
            }
            if (!MODES.contains(m)) {
                throw new IllegalArgumentException("Unknown MOLT_TEST_MODE '" + m + "'; known: " + MODES);
            }
            out.add(m);
        }
        return out;
    }

    /** Serves stdin/stdout under {@code modes} until stdin ends; returns the exit code. */
    static int run(String[] args, Set<String> modes) throws IOException {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
        InputStream in = new FileInputStream(FileDescriptor.in);
        PrintStream err = System.err;
        System.setOut(err);
        System.setIn(InputStream.nullInputStream());
        HostileStdio h = new HostileStdio(modes, out, err);
        return h.serve(args, in);
    }

    private int serve(String[] args, InputStream in) throws IOException {
        MoltWorker.Builder builder = MoltWorker.builder();
        TestWorker.configure(builder);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--stdio" -> { }
                case "--threads" -> builder.threads(Integer.parseInt(args[++i]));
                case "--max-queue" -> builder.maxQueue(Integer.parseInt(args[++i]));
                default -> {
                    err.println("TestWorker: hostile modes take --stdio, --threads N, --max-queue N; got " + args[i]);
                    return 2;
                }
            }
        }
        MoltWorker worker = builder.build();
        startLifetimeLimit();
        if (modes.contains("fork") || modes.contains("fork_exit") || modes.contains("fork_exit_at_start")) {
            forkGrandchild();
        }
        if (modes.contains("fork_exit_at_start")) {
            err.println("TestWorker: exiting at start, leaving a grandchild holding the pipes");
            err.flush();
            Runtime.getRuntime().halt(0);
        }
        if (modes.contains("stderr_flood") || modes.contains("stderr_lines")) {
            startStderrFlood(modes.contains("stderr_lines"));
        }
        err.println("TestWorker: serving in hostile modes " + modes);
        err.flush();
        worker.serve(new RequestFilter(in), new ResponseRewriter());
        return 0;
    }

    // ---------------------------------------------------------------- process-level misbehaviour

    /** Halts after MOLT_TEST_MAX_LIFETIME_MS (default 120 s), so a test that fails cannot leave this behind for long. */
    private void startLifetimeLimit() {
        long ms = envLong("MOLT_TEST_MAX_LIFETIME_MS", 120_000);
        Thread t = new Thread(() -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
            Runtime.getRuntime().halt(9);
        }, "test-worker-lifetime");
        t.setDaemon(true);
        t.start();
    }

    /** {@code sleep 600} with all three standard streams inherited, so it holds the worker's pipes. */
    private void forkGrandchild() throws IOException {
        String seconds = Long.toString(envLong("MOLT_TEST_CHILD_SECONDS", 600));
        Process child = new ProcessBuilder("sleep", seconds).inheritIO().start();
        String log = System.getenv("MOLT_TEST_CHILD_LOG");
        if (log != null && !log.isBlank()) {
            Files.writeString(Path.of(log), child.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        err.println("TestWorker: forked grandchild " + child.pid());
        err.flush();
    }

    /**
     * Writes stderr as fast as the pipe takes it, up to MOLT_TEST_FLOOD_BYTES (default: no limit):
     * one endless line, or short numbered lines.
     */
    private void startStderrFlood(boolean lines) {
        long limit = envLong("MOLT_TEST_FLOOD_BYTES", Long.MAX_VALUE);
        Thread t = new Thread(() -> {
            @SuppressWarnings("resource") // the process's stderr: closing it would end the logs
            OutputStream raw = new FileOutputStream(FileDescriptor.err);
            byte[] chunk = new byte[64 * 1024];
            int usable = chunk.length;
            if (lines) {
                byte[] line = "flood line\n".getBytes(StandardCharsets.US_ASCII);
                usable -= chunk.length % line.length;
                for (int i = 0; i < usable; i += line.length) {
                    System.arraycopy(line, 0, chunk, i, line.length);
                }
            } else {
                Arrays.fill(chunk, (byte) 'e');
            }
            long written = 0;
            try {
                while (written < limit) {
                    int n = (int) Math.min(usable, limit - written);
                    raw.write(chunk, 0, n);
                    written += n;
                }
                raw.flush();
            } catch (IOException e) {
                // the reader went away: nothing left to flood
            }
        }, "test-worker-stderr-flood");
        t.setDaemon(true);
        t.start();
    }

    // ---------------------------------------------------------------- stdin

    /** Passes request frames through whole; remembers ping ids; stops for good after the ping in no_stdin. */
    private final class RequestFilter extends InputStream {
        private final InputStream in;
        private byte[] frame;
        private int pos;
        private boolean pingDelivered;

        RequestFilter(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (frame == null || pos == frame.length) {
                if (pingDelivered && modes.contains("no_stdin")) {
                    stopReadingForever();
                }
                byte[] body = Frames.read(in, Frames.DEFAULT_MAX_FRAME_BYTES);
                if (body == null) {
                    return -1;
                }
                noteRequest(body);
                frame = new byte[Frames.HEADER_BYTES + body.length];
                frame[0] = (byte) body.length;
                frame[1] = (byte) (body.length >>> 8);
                frame[2] = (byte) (body.length >>> 16);
                frame[3] = (byte) (body.length >>> 24);
                System.arraycopy(body, 0, frame, Frames.HEADER_BYTES, body.length);
                pos = 0;
            }
            int n = Math.min(len, frame.length - pos);
            System.arraycopy(frame, pos, b, off, n);
            pos += n;
            return n;
        }

        private void noteRequest(byte[] body) {
            try {
                RequestEnvelope r = Envelopes.decodeRequest(body);
                if (Entries.PING.equals(r.entry())) {
                    pingIds.add(r.requestId());
                    pingDelivered = true;
                }
            } catch (ProtocolException e) {
                // the worker answers it as it would anyway
            }
        }

        private void stopReadingForever() {
            try {
                pingAnswered.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.println("TestWorker: no longer reading stdin");
            err.flush();
            while (true) {
                LockSupport.park(this); // alive, never reading again: the client's writes fill the pipe
            }
        }
    }

    // ---------------------------------------------------------------- stdout

    /** Collects the worker's response frames and writes rewritten ones to the real stdout. */
    private final class ResponseRewriter extends OutputStream {
        private byte[] buf = new byte[64 * 1024];
        private int len;
        private boolean answeredACall;

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int n) throws IOException {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(b, off, buf, len, n);
            len += n;
            int start = 0;
            while (len - start >= Frames.HEADER_BYTES) {
                int bodyLen = (buf[start] & 0xFF) | (buf[start + 1] & 0xFF) << 8 | (buf[start + 2] & 0xFF) << 16
                        | (buf[start + 3] & 0xFF) << 24;
                if (len - start - Frames.HEADER_BYTES < bodyLen) {
                    break;
                }
                byte[] body = Arrays.copyOfRange(buf, start + Frames.HEADER_BYTES, start + Frames.HEADER_BYTES + bodyLen);
                start += Frames.HEADER_BYTES + bodyLen;
                respond(body);
            }
            System.arraycopy(buf, start, buf, 0, len - start);
            len -= start;
        }

        @Override
        public synchronized void flush() throws IOException {
            realOut.flush();
        }

        private void respond(byte[] body) throws IOException {
            ResponseEnvelope r;
            try {
                r = Envelopes.decodeResponse(body);
            } catch (ProtocolException e) {
                writeFrame(body);
                return;
            }
            boolean ping = pingIds.remove(r.requestId());
            boolean untouched = r.isCancelAck() || (ping && modes.contains("ping_ok"));
            writeFrame(untouched ? body : rewrite(body, r));
            if (ping) {
                realOut.flush();
                pingAnswered.countDown();
            } else if (!r.isCancelAck() && !answeredACall) {
                answeredACall = true;
                if (modes.contains("fork_exit")) {
                    realOut.flush();
                    err.println("TestWorker: exiting after the first call, leaving a grandchild holding the pipes");
                    err.flush();
                    Runtime.getRuntime().halt(0);
                }
            }
        }

        private byte[] rewrite(byte[] body, ResponseEnvelope r) {
            if (modes.contains("garbage")) {
                byte[] g = new byte[8];
                Arrays.fill(g, (byte) 0xC1); // never used in MessagePack, and not JSON
                return g;
            }
            if (modes.contains("huge_claims")) {
                return hugeClaimEnvelope(r.requestId());
            }
            Wire wire = Envelopes.detectWire(body);
            ResponseEnvelope out = r;
            if (modes.contains("huge_payload_claims") && r.status() == Status.OK) {
                // a str32 header claiming 1 GiB, followed by three bytes
                byte[] claim = {(byte) 0xDB, 0x40, 0, 0, 0, 'a', 'b', 'c'};
                out = ResponseEnvelope.ok(r.requestId(), Codec.MSGPACK, claim, r.metrics());
            }
            if (modes.contains("unknown_ids")) {
                out = new ResponseEnvelope(r.requestId() + UNKNOWN_ID_OFFSET, out.status(), out.codec(), out.payload(),
                        out.error(), out.metrics(), out.entry(), out.compiled());
            }
            return out == r ? body : Envelopes.encodeResponse(wire, out);
        }

        private void writeFrame(byte[] body) throws IOException {
            int n = body.length;
            realOut.write(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)});
            realOut.write(body);
        }
    }

    /** A well-formed start of a response whose payload is a bin32 claiming 1 GiB, in a frame of a few dozen bytes. */
    static byte[] hugeClaimEnvelope(long requestId) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(4);
            p.packString("request_id");
            p.packLong(requestId);
            p.packString("status");
            p.packString(Status.OK.wireName());
            p.packString("codec");
            p.packString(Codec.MSGPACK.id());
            p.packString("payload");
            p.packBinaryHeader(GIB);
            p.writePayload(new byte[] {1, 2, 3});
            return p.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long envLong(String name, long dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : Long.parseLong(v.trim());
    }
}
