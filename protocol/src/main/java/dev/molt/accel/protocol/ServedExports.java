package dev.molt.accel.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a worker serves, as it answers {@link Entries#EXPORTS} (PROTOCOL.md section 5): the exports
 * manifest of section 8, JSON. An export that accepts any codec and answers in the request's codec
 * is written {@code {"name": "echo", "any_codec": true}} (no codecs): a reader that knows only
 * section 8 reads msgpack for both, which such an export accepts, and an aware reader knows it
 * takes any. Immutable and thread-safe.
 *
 * @param abiVersion the manifest's ABI version
 * @param entries the served exports in the worker's order; names unique, never reserved
 */
public record ServedExports(String abiVersion, List<Entry> entries) {

    /** Most exports read from an answer; a worker serves a few dozen. */
    public static final int MAX_ENTRIES = 10_000;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * One served export.
     *
     * @param name the entry
     * @param codecIn the codec a caller must send, {@code null} for any
     * @param codecOut the codec of the result, {@code null} for the request's codec
     */
    public record Entry(String name, Codec codecIn, Codec codecOut) {
        public Entry {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || Entries.isReserved(name)) {
                throw new IllegalArgumentException("Export name '" + name + "' is empty or reserved");
            }
        }

        /** Whether a request in {@code codec} is accepted. */
        public boolean accepts(Codec codec) {
            return codecIn == null || codecIn == codec;
        }

        /** {@code name msgpack -> json}, or {@code name any codec}. */
        public String describe() {
            if (codecIn == null) {
                return name + " (any codec)";
            }
            return name + " (" + codecIn.id() + " -> " + (codecOut == null ? codecIn : codecOut).id() + ")";
        }
    }

    public ServedExports {
        Objects.requireNonNull(abiVersion, "abiVersion");
        entries = List.copyOf(entries);
    }

    /** The export named {@code name}, if served. */
    public Optional<Entry> find(String name) {
        for (Entry e : entries) {
            if (e.name().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The served exports, comma-separated with their codecs, for messages; "nothing" when empty. */
    public String describe() {
        if (entries.isEmpty()) {
            return "nothing";
        }
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.describe());
        }
        return sb.toString();
    }

    /** The JSON answer of {@code __exports__}. */
    public byte[] toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("abi_version", abiVersion);
        ArrayNode list = root.putArray("exports");
        for (Entry e : entries) {
            ObjectNode n = list.addObject();
            n.put("name", e.name());
            if (e.codecIn() == null) {
                n.put("any_codec", true);
            } else {
                n.put("codec_in", e.codecIn().id());
                n.put("codec_out", (e.codecOut() == null ? e.codecIn() : e.codecOut()).id());
            }
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the exports answer", e);
        }
    }

    /**
     * Reads an {@code __exports__} answer of at most {@link ExportsManifest#MAX_MANIFEST_BYTES}
     * bytes (the frame limit bounds it too). Entries with empty, reserved or repeated names are
     * skipped; codecs default to msgpack; an unknown codec name is an error. Messages name the
     * field, never the text.
     *
     * @throws IllegalArgumentException when the answer is not such a manifest
     */
    public static ServedExports parse(byte[] json) {
        if (json.length > ExportsManifest.MAX_MANIFEST_BYTES) {
            throw new IllegalArgumentException("The exports answer is larger than " + ExportsManifest.MAX_MANIFEST_BYTES
                    + " bytes");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("The exports answer is not valid JSON");
        }
        if (root == null || !root.isObject() || !root.path("exports").isArray()) {
            throw new IllegalArgumentException("The exports answer needs an object with an \"exports\" array");
        }
        JsonNode abi = root.get("abi_version");
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int index = 0;
        for (JsonNode node : root.get("exports")) {
            if (index++ >= MAX_ENTRIES) {
                throw new IllegalArgumentException("The exports answer lists more than " + MAX_ENTRIES + " exports");
            }
            String name = node.isTextual() ? node.asText() : node.path("name").asText("");
            if (name.isEmpty() || Entries.isReserved(name) || !seen.add(name)) {
                continue;
            }
            if (node.path("any_codec").asBoolean(false)) {
                entries.add(new Entry(name, null, null));
            } else {
                entries.add(new Entry(name, codec(node, "codec_in", index - 1), codec(node, "codec_out", index - 1)));
            }
        }
        return new ServedExports(abi != null && abi.isTextual() ? abi.asText() : "0.1", entries);
    }

    private static Codec codec(JsonNode node, String field, int index) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Codec.MSGPACK;
        }
        Codec c = v.isTextual() ? Codec.lookup(v.asText()) : null;
        if (c == null) {
            throw new IllegalArgumentException("The exports answer's exports[" + index + "]." + field
                    + " must be one of msgpack, json, raw, arrow_ipc");
        }
        return c;
    }
}
