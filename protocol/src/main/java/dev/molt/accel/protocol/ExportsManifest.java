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

    /** Largest manifest file read; a manifest lists a few dozen entries. */
    public static final int MAX_MANIFEST_BYTES = 1024 * 1024;

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
     * Reads a manifest file of at most {@value #MAX_MANIFEST_BYTES} bytes.
     *
     * <p>Error messages name the file, the position or field and what was expected, never the
     * file's text: a wrong path (say, a file of secrets) must not end up in a log.
     *
     * @throws IllegalArgumentException when the file is not a valid manifest or too large, naming the file
     * @throws UncheckedIOException when the file cannot be read
     */
    public static ExportsManifest load(Path path) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            // bounded: the path may name a device or a huge file by mistake
            bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read exports manifest " + path + ": " + reason(e), e);
        }
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw new IllegalArgumentException("Exports manifest " + path + " is larger than "
                    + MAX_MANIFEST_BYTES + " bytes");
        }
        return parse(bytes, path.toString());
    }

    /**
     * Parses manifest JSON. Entries with empty or reserved names are skipped; codecs default to
     * msgpack. Error messages name the source, the position or field and what was expected, never
     * the text.
     *
     * @param source names the manifest in error messages
     * @throws IllegalArgumentException when the JSON is not a valid manifest
     */
    public static ExportsManifest parse(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            // Jackson's message quotes the text it read; only the position is kept, and no cause
            String at = "";
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null) {
                at = " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
            }
            throw new IllegalArgumentException("Exports manifest " + source + " is not valid JSON" + at
                    + ": expected an object like {\"abi_version\": \"0.1\", \"exports\": [...]}");
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
        int index = 0;
        for (JsonNode node : list) {
            String name = node.isTextual() ? node.asText() : node.path("name").asText("");
            String where = "exports[" + index++ + "]";
            if (name.isEmpty() || Entries.isReserved(name) || seen.put(name, Boolean.TRUE) != null) {
                continue;
            }
            exports.add(new Export(name, codec(node, where, "codec_in", source), codec(node, where, "codec_out", source)));
        }
        return new ExportsManifest(abi, exports);
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        // other messages of the file system name the path again at most; nothing of the content
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Codec codec(JsonNode node, String where, String field, String source) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Codec.MSGPACK;
        }
        Codec c = v.isTextual() ? Codec.lookup(v.asText()) : null;
        if (c == null) {
            throw new IllegalArgumentException("Exports manifest " + source + ": " + where + "." + field
                    + " must be one of msgpack, json, raw, arrow_ipc");
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
