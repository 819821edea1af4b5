package dev.molt.accel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The exports manifest (PROTOCOL.md section 8): which entries a worker serves and with which codecs.
 * Immutable and thread-safe.
 *
 * @param abiVersion the manifest's ABI version, {@code "0.1"} today
 * @param exports the exports in manifest order; names are unique
 */
public record ExportsManifest(String abiVersion, List<Export> exports) {

    /** Class-path location of the default manifest. */
    public static final String DEFAULT_RESOURCE = "/dev/molt/accel/protocol/default-exports.json";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ExportsManifest DEFAULTS = loadDefaults();

    /**
     * One export.
     *
     * @param name entry name, never empty, never reserved
     * @param codecIn codec the caller must send
     * @param codecOut codec of the result
     */
    public record Export(String name, Codec codecIn, Codec codecOut) {
        public Export {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(codecIn, "codecIn");
            Objects.requireNonNull(codecOut, "codecOut");
            if (name.isEmpty() || Entries.isReserved(name)) {
                throw new IllegalArgumentException("Export name '" + name + "' is empty or reserved");
            }
        }
    }

    public ExportsManifest {
        Objects.requireNonNull(abiVersion, "abiVersion");
        exports = List.copyOf(exports);
    }

    /** The export named {@code name}, if listed. */
    public Optional<Export> find(String name) {
        for (Export e : exports) {
            if (e.name.equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The packaged default manifest. */
    public static ExportsManifest defaults() {
        return DEFAULTS;
    }

    /**
     * Reads a manifest file.
     *
     * @throws IllegalArgumentException when the file is not a valid manifest, naming the file
     * @throws UncheckedIOException when the file cannot be read
     */
    public static ExportsManifest load(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return parse(in.readAllBytes(), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read exports manifest " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses manifest JSON. Entries with empty or reserved names are skipped; codecs default to
     * msgpack.
     *
     * @param source names the manifest in error messages
     * @throws IllegalArgumentException when the JSON is not a valid manifest
     */
    public static ExportsManifest parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("Exports manifest " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Exports manifest " + source + " must be a JSON object");
        }
        String abi = root.path("abi_version").asText("0.1");
        JsonNode list = root.path("exports");
        if (!list.isArray()) {
            throw new IllegalArgumentException("Exports manifest " + source + " needs an \"exports\" array");
        }
        List<Export> exports = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (JsonNode node : list) {
            String name = node.isTextual() ? node.asText() : node.path("name").asText("");
            if (name.isEmpty() || Entries.isReserved(name) || seen.put(name, Boolean.TRUE) != null) {
                continue;
            }
            exports.add(new Export(name, codec(node, "codec_in", source), codec(node, "codec_out", source)));
        }
        return new ExportsManifest(abi, exports);
    }

    private static Codec codec(JsonNode node, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Codec.MSGPACK;
        }
        Codec c = Codec.lookup(v.asText());
        if (c == null) {
            throw new IllegalArgumentException("Exports manifest " + source + ": unknown " + field + " '"
                    + v.asText() + "' for export '" + node.path("name").asText() + "'");
        }
        return c;
    }

    private static ExportsManifest loadDefaults() {
        try (InputStream in = ExportsManifest.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Default exports manifest " + DEFAULT_RESOURCE + " is missing");
            }
            return parse(in.readAllBytes(), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
