package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.protocol.Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Builder and export validation, and the command line. */
class ApiTest {

    @Test
    void builderChecksEachValueAsItIsSet() {
        MoltWorker.Builder b = MoltWorker.builder();
        assertThatThrownBy(() -> b.threads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be >= 1, got 0");
        assertThatThrownBy(() -> b.maxQueue(-1)).hasMessage("maxQueue must be >= 0, got -1");
        assertThatThrownBy(() -> b.maxFrameBytes(0)).hasMessage("maxFrameBytes must be >= 1, got 0");
        assertThatThrownBy(() -> b.drainTimeout(Duration.ofSeconds(-1))).hasMessageContaining("drainTimeout must not be negative");
        Export e = Export.of("x", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> p);
        b.export(e);
        assertThatThrownBy(() -> b.export(e)).hasMessage("Export 'x' is already registered");
        MoltWorker w = b.threads(3).maxQueue(5).build();
        assertThat(w.threads()).isEqualTo(3);
        assertThat(w.maxQueue()).isEqualTo(5);
        assertThat(w.entries()).containsExactly("x");
        assertThat(MoltWorker.builder().build().threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(MoltWorker.builder().build().maxQueue()).isEqualTo(1024);
    }

    @Test
    void exportsAreCheckedAtRegistration() {
        assertThatThrownBy(() -> Export.of("__x", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> p))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> Export.of("", Codec.MSGPACK, Codec.MSGPACK, Object.class, (p, ctx) -> p))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> Export.of("r", Codec.RAW, Codec.RAW, Map.class, (p, ctx) -> p))
                .hasMessageContaining("byte[]");
        Export any = Export.anyCodec("echo", byte[].class, (p, ctx) -> p);
        assertThat(any.acceptsAnyCodec()).isTrue();
        assertThat(any.codecIn()).isNull();
        assertThat(any.codecOut()).isNull();
        assertThat(any.toString()).contains("any");
    }

    @Test
    void commandLineParsesFlagsOverTheEnvironment() {
        WorkerCommandLine c = WorkerCommandLine.parse(new String[] {"--stdio", "--threads", "3", "--max-queue=7",
                "--exports", "m.json", "--compiled-exports", "c.bin"}, Map.of("MOLT_WORKER_THREADS", "9"));
        assertThat(c.threads()).isEqualTo(3);
        assertThat(c.maxQueue()).isEqualTo(7);
        assertThat(c.exports()).isEqualTo(Path.of("m.json"));
        assertThat(c.compiledExports()).isEqualTo(Path.of("c.bin"));
        WorkerCommandLine env = WorkerCommandLine.parse(new String[0],
                Map.of("MOLT_WORKER_THREADS", "2", "MOLT_WORKER_MAX_QUEUE", "0"));
        assertThat(env.threads()).isEqualTo(2);
        assertThat(env.maxQueue()).isZero();
        WorkerCommandLine none = WorkerCommandLine.parse(new String[0], Map.of("MOLT_WORKER_THREADS", " "));
        assertThat(none.threads()).isNull();
        assertThat(WorkerCommandLine.parse(new String[] {"-h"}, Map.of()).help()).isTrue();
        assertThat(WorkerCommandLine.parse(new String[] {"--version"}, Map.of()).version()).isTrue();
    }

    @Test
    void commandLineRejectsBadInputWithAMessage() {
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--bogus"}, Map.of()))
                .hasMessage("Unknown option --bogus");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"stray"}, Map.of()))
                .hasMessage("Unexpected argument 'stray'");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--threads"}, Map.of()))
                .hasMessage("Option --threads needs a value");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--threads", "0"}, Map.of()))
                .hasMessage("--threads must be >= 1, got 0");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--max-queue", "lots"}, Map.of()))
                .hasMessageContaining("--max-queue must be an integer");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--stdio=yes"}, Map.of()))
                .hasMessage("Option --stdio takes no value");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[0], Map.of("MOLT_WORKER_MAX_QUEUE", "-1")))
                .hasMessage("MOLT_WORKER_MAX_QUEUE must be >= 0, got -1");
    }

    @Test
    void versionComesFromTheBuild() {
        assertThat(MoltWorker.version()).isNotBlank().doesNotStartWith("$");
    }
}
