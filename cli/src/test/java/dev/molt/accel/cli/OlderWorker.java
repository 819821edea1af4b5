package dev.molt.accel.cli;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Frames;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * A worker process of an older protocol revision, for tests: answers {@code __ping__} and
 * "Unknown entry" to anything else, {@code __exports__} included. Exits at stdin EOF.
 */
public final class OlderWorker {

    private OlderWorker() {
    }

    public static void main(String[] args) throws IOException {
        InputStream in = new BufferedInputStream(System.in);
        OutputStream out = new BufferedOutputStream(System.out);
        byte[] body;
        while ((body = Frames.read(in, Frames.DEFAULT_MAX_FRAME_BYTES)) != null) {
            Wire wire = Envelopes.detectWire(body);
            RequestEnvelope r = Envelopes.decodeRequest(wire, body);
            ResponseEnvelope answer = r.entry().equals(Entries.PING)
                    ? ResponseEnvelope.ok(r.requestId(), Codec.RAW, new byte[0], Map.of())
                    : ResponseEnvelope.failure(r.requestId(), Status.INVALID_INPUT, r.codec(),
                            "Unknown entry '" + r.entry() + "'.", Map.of());
            out.write(Envelopes.encodeResponseFrame(wire, answer, Frames.DEFAULT_MAX_FRAME_BYTES));
            out.flush();
        }
    }
}
