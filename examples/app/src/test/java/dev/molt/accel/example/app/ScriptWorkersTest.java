package dev.molt.accel.example.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Python and Node example workers, written from PROTOCOL.md alone, as real child processes of
 * {@link MoltClient} over both wires: readiness ping, the demo contract's {@code compute} (msgpack)
 * and {@code health} (json), validation answered {@code InvalidInput}, unknown entries and codec
 * mismatches refused, many calls in flight at once, and a clean exit on stdin EOF.
 */
class ScriptWorkersTest {

    private static final CallOptions MSGPACK = CallOptions.builder().timeout(Duration.ofSeconds(10)).build();
    private static final CallOptions JSON = CallOptions.builder().codec(Codec.JSON).timeout(Duration.ofSeconds(10)).build();

    static List<Arguments> workers() {
        return List.of(
                Arguments.of("python", Wire.MSGPACK),
                Arguments.of("python", Wire.JSON),
                Arguments.of("node", Wire.MSGPACK),
                Arguments.of("node", Wire.JSON));
    }

    private static MoltClient client(String language, Wire wire) {
        List<String> command = language.equals("python") ? ScriptWorkers.python() : ScriptWorkers.node();
        return MoltClient.builder().command(command).wire(wire).startTimeout(Duration.ofSeconds(30)).build();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("workers")
    void answersTheDemoContractAndRefusesBadCallsLikeTheJavaWorker(String language, Wire wire) {
        ProcessHandle worker;
        try (MoltClient client = client(language, wire)) {
            client.start(); // readiness __ping__
            client.ping(Duration.ofSeconds(10));

            MoltResult r = client.call("compute", Map.of("values", "1,2,3.5", "scale", 2, "offset", 1), MSGPACK);
            assertThat(r.codec()).isEqualTo(Codec.MSGPACK);
            assertThat(r.<ComputeResult>as(ComputeResult.class)).isEqualTo(new ComputeResult(3, 16.0, List.of(3.0, 5.0, 8.0)));
            assertThat(r.metrics()).containsKey("exec_us");
            // a list of numbers works as well as the comma-separated string
            assertThat(client.call("compute", Map.of("values", List.of(4, 5.5)), MSGPACK).<ComputeResult>as(ComputeResult.class))
                    .isEqualTo(new ComputeResult(2, 9.5, List.of(4.0, 5.5)));

            MoltResult health = client.call("health", Map.of(), JSON);
            assertThat(health.codec()).isEqualTo(Codec.JSON);
            assertThat(ScriptWorkers.utf8(health.bytes())).isEqualTo("{\"ok\":true}");

            assertThatThrownBy(() -> client.call("compute", Map.of("values", "1,abc"), MSGPACK))
                    .isInstanceOf(MoltInvalidInputException.class).hasMessageContaining("values must be a number")
                    .extracting(e -> ((MoltInvalidInputException) e).safeMessage())
                    .isEqualTo(java.util.Optional.of("values must be a number"));
            // a protocol-level rejection is not marked: its message stays private
            assertThatThrownBy(() -> client.call("no_such_entry", Map.of(), MSGPACK))
                    .extracting(e -> ((MoltInvalidInputException) e).safeMessage())
                    .isEqualTo(java.util.Optional.empty());
            assertThatThrownBy(() -> client.call("compute", Map.of("values", "1e999"), MSGPACK))
                    .isInstanceOf(MoltInvalidInputException.class).hasMessageContaining("finite");
            assertThatThrownBy(() -> client.call("compute", Map.of("values", "1".repeat(10_000)), MSGPACK))
                    .isInstanceOf(MoltInvalidInputException.class).hasMessageContaining("too long");
            assertThatThrownBy(() -> client.call("no_such_entry", Map.of(), MSGPACK))
                    .isInstanceOf(MoltInvalidInputException.class).hasMessageContaining("Unknown entry 'no_such_entry'.");
            assertThatThrownBy(() -> client.call("compute", Map.of("values", "1"), JSON))
                    .isInstanceOf(MoltInvalidInputException.class).hasMessageContaining("takes codec msgpack");

            // many calls in flight on one worker: each answer matched to its request by id
            List<CompletableFuture<MoltResult>> calls = IntStream.range(0, 64)
                    .mapToObj(i -> client.callAsync("compute", Map.of("values", List.of(i)), MSGPACK)).toList();
            for (int i = 0; i < calls.size(); i++) {
                assertThat(calls.get(i).join().<ComputeResult>as(ComputeResult.class).sum()).isEqualTo(i);
            }
            assertThat(client.stats().pids()).hasSize(1);
            worker = ProcessHandle.of(client.stats().pids().get(0)).orElseThrow();
        }
        // close() closed stdin first: the worker exited by itself
        assertThat(worker.onExit()).succeedsWithin(Duration.ofSeconds(10));
    }
}
