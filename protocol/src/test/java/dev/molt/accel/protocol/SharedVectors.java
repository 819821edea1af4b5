package dev.molt.accel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the reference encodings in {@code ../shared/protocol/vectors/}. Shared with other modules'
 * tests through the test jar.
 */
public final class SharedVectors {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A reference envelope. */
    public record EnvelopeVector(String name, String kind, Wire wire, JsonNode message, byte[] body, byte[] frame) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A reference bad stream. */
    public record BadStream(String name, String description, byte[] stream) {
        @Override
        public String toString() {
            return name;
        }
    }

    private SharedVectors() {
    }

    /** The folder holding the vectors: {@code molt.shared.dir} property, else {@code ../shared} upwards. */
    public static Path vectorsDir() {
        String prop = System.getProperty("molt.shared.dir");
        List<Path> candidates = new ArrayList<>();
        if (prop != null) {
            candidates.add(Path.of(prop));
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            candidates.add(dir.resolveSibling("shared"));
            candidates.add(dir.resolve("shared"));
            dir = dir.getParent();
        }
        for (Path c : candidates) {
            Path v = c.resolve("protocol").resolve("vectors");
            if (Files.isRegularFile(v.resolve("envelopes.json"))) {
                return v;
            }
        }
        throw new IllegalStateException("Cannot find shared/protocol/vectors beside the checkout; tried " + candidates);
    }

    public static List<EnvelopeVector> envelopes() {
        List<EnvelopeVector> out = new ArrayList<>();
        for (JsonNode v : read("envelopes.json").get("vectors")) {
            out.add(new EnvelopeVector(v.get("name").asText(), v.get("kind").asText(), Wire.of(v.get("wire").asText()),
                    v.get("message"), hex(v.get("body_hex").asText()), hex(v.get("frame_hex").asText())));
        }
        return out;
    }

    public static List<BadStream> badStreams() {
        List<BadStream> out = new ArrayList<>();
        for (JsonNode v : read("bad_frames.json").get("vectors")) {
            out.add(new BadStream(v.get("name").asText(), v.path("description").asText(), hex(v.get("stream_hex").asText())));
        }
        return out;
    }

    private static JsonNode read(String file) {
        try {
            return MAPPER.readTree(Files.readAllBytes(vectorsDir().resolve(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
