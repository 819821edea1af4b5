package dev.molt.accel.cli;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.Payloads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The request payload options shared by {@code call} and {@code load}: a JSON value encoded with
 * the request codec ({@code msgpack} or {@code json}), or opaque bytes from a file for {@code raw}
 * and {@code arrow_ipc}.
 */
final class PayloadOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--codec", paramLabel = "CODEC", converter = Converters.CodecConverter.class,
            description = "Request codec: msgpack, json, raw or arrow_ipc; must match the export's codec_in "
                    + "(default: raw for __ping__, else msgpack).")
    Codec codec;

    @Option(names = "--json", paramLabel = "JSON",
            description = "The payload as JSON text, encoded with the codec (default: {}).")
    String json;

    @Option(names = "--json-file", paramLabel = "PATH", description = "Read the JSON payload from a file.")
    Path jsonFile;

    @Option(names = "--input", paramLabel = "PATH",
            description = "Opaque payload bytes for raw / arrow_ipc, from a file ('-' = stdin; default: empty).")
    String input;

    /** The request codec for {@code entry}. */
    Codec codec(String entry) {
        if (codec != null) {
            return codec;
        }
        return Entries.PING.equals(entry) ? Codec.RAW : Codec.MSGPACK;
    }

    /**
     * The payload bytes, encoded once.
     *
     * @throws CommandLine.ParameterException for invalid JSON, unreadable files or options that
     *     do not fit the codec
     */
    byte[] encode(String entry) {
        Codec c = codec(entry);
        if (json != null && jsonFile != null) {
            throw usage("--json and --json-file are mutually exclusive");
        }
        if (c.isOpaque()) {
            if (json != null || jsonFile != null) {
                throw usage("A " + c.id() + " payload is opaque bytes: use --input PATH instead of --json");
            }
            return input == null ? new byte[0] : readInput();
        }
        if (input != null) {
            throw usage("--input is for raw and arrow_ipc payloads; use --json with codec " + c.id());
        }
        String text = json;
        String source = "--json";
        if (jsonFile != null) {
            source = "--json-file " + jsonFile;
            try {
                text = Files.readString(jsonFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw usage("Cannot read " + source + ": " + e.getMessage());
            }
        }
        if (text == null) {
            text = "{}";
        }
        Object value;
        try {
            value = Payloads.decode(Codec.JSON, text.getBytes(StandardCharsets.UTF_8));
        } catch (PayloadException e) {
            String detail = oneLine(e.getMessage());
            String prefix = "Invalid json payload: ";
            throw usage("Invalid JSON in " + source + ": "
                    + (detail.startsWith(prefix) ? detail.substring(prefix.length()) : detail));
        }
        try {
            return Payloads.encode(c, value);
        } catch (PayloadException e) {
            throw usage("Cannot encode the payload as " + c.id() + ": " + oneLine(e.getMessage()));
        }
    }

    private byte[] readInput() {
        try {
            if (input.equals("-")) {
                InputStream in = System.in;
                return in.readAllBytes();
            }
            return Files.readAllBytes(Path.of(input));
        } catch (IOException | RuntimeException e) {
            throw usage("Cannot read --input " + input + ": " + e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Jackson messages carry a source excerpt on further lines; the first line says what is wrong. */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
