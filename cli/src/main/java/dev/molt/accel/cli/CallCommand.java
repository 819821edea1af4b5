package dev.molt.accel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.Payloads;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code molt-accel call}: one call, result as JSON on stdout; on failure the error code and
 * message on stderr and a non-zero exit code.
 */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = {"Call an export once and print its result as JSON on stdout.",
            "On failure prints '<ErrorCode>: <message>' on stderr (e.g. MoltInvalidInput) and exits non-zero."},
        footer = {"", "Examples:",
            "  molt-accel call --entry compute --json '{\"values\":[1,2,3],\"scale\":2}'",
            "  molt-accel call --entry offload_table --codec json --json '{\"rows\":5}'"})
final class CallCommand implements Callable<Integer> {

    /** Deadline of the single call when {@code --timeout-ms} is absent: a person is waiting, not a web request. */
    static final long DEFAULT_TIMEOUT_MS = 10_000;

    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @ParentCommand
    MoltAccelCli cli;

    @Spec
    CommandSpec spec;

    @Option(names = {"-e", "--entry"}, required = true, paramLabel = "ENTRY", description = "Export to call.")
    String entry;

    @Mixin
    PayloadOptions payload;

    @Option(names = "--pretty", description = "Indent the JSON output.")
    boolean pretty;

    @Option(names = "--output", paramLabel = "PATH",
            description = "Write the result bytes, exactly as the worker sent them, to a file instead of stdout.")
    Path output;

    @Option(names = "--metrics", description = "Also print the call's metrics as JSON on stderr.")
    boolean metrics;

    @Override
    public Integer call() {
        byte[] body = payload.encode(entry);
        Codec codec = payload.codec(entry);
        var options = cli.callOptions(DEFAULT_TIMEOUT_MS).codec(codec).build();
        MoltResult result;
        try (MoltClient client = cli.buildClient()) {
            result = client.call(entry, body, options);
        }
        if (metrics) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(json(result.metrics()));
            err.flush();
        }
        if (output != null) {
            try {
                Files.write(output, result.bytes());
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Cannot write --output " + output + ": " + e.getMessage());
            }
            return ExitCodes.OK;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(render(result));
        out.flush();
        return ExitCodes.OK;
    }

    /** The result as JSON text: JSON results pass through, msgpack is converted, opaque bytes are base64. */
    private String render(MoltResult result) {
        Codec codec = result.codec();
        if (codec.isOpaque()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("codec", codec.id());
            m.put("size", result.bytes().length);
            m.put("base64", Base64.getEncoder().encodeToString(result.bytes()));
            return json(m);
        }
        if (codec == Codec.JSON && !pretty) {
            return new String(result.bytes(), StandardCharsets.UTF_8).strip();
        }
        return json(result.value());
    }

    private String json(Object value) {
        if (pretty) {
            try {
                return PRETTY.writeValueAsString(value);
            } catch (IOException e) {
                throw new MoltProtocolException("Result of '" + entry + "' cannot be shown as JSON: " + e.getMessage(),
                        entry, 0, e);
            }
        }
        try {
            return new String(Payloads.encode(Codec.JSON, value), StandardCharsets.UTF_8);
        } catch (PayloadException e) {
            throw new MoltProtocolException("Result of '" + entry + "' cannot be shown as JSON: " + e.getMessage(),
                    entry, 0, e);
        }
    }
}
