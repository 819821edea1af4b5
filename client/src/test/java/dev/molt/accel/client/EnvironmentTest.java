package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EnvironmentTest {

    @AfterAll
    static void nothingLeftBehind() {
        TestWorkers.assertNoChildren();
    }

    @Test
    void parsesEveryVariable() {
        EnvironmentSettings s = EnvironmentSettings.parse(Map.of(
                "MOLT_WORKER_CMD", " my-worker --stdio ",
                "MOLT_WIRE", "JSON",
                "MOLT_ACCEL_CLIENT_MODE", "per_request",
                "MOLT_ACCEL_POOL_SIZE", "3",
                "MOLT_ACCEL_RETRY_ON_TIMEOUT", "1",
                "MOLT_ACCEL_RETRY_ON_BUSY", "true",
                "MOLT_ACCEL_RETRY_BACKOFF_MS", "5",
                "MOLT_ACCEL_RETRY_BACKOFF_MAX_MS", "50"));
        assertThat(s.command()).isEqualTo("my-worker --stdio");
        assertThat(s.wire()).isEqualTo(Wire.JSON);
        assertThat(s.mode()).isEqualTo(ClientMode.PER_REQUEST);
        assertThat(s.poolSize()).isEqualTo(3);
        CallOptions o = s.applyTo(CallOptions.builder()).build();
        assertThat(o.retryOnTimeout()).isTrue();
        assertThat(o.retryOnBusy()).isTrue();
        assertThat(o.retryBackoff()).isEqualTo(Duration.ofMillis(5));
        assertThat(o.retryBackoffMax()).isEqualTo(Duration.ofMillis(50));
        assertThat(EnvironmentSettings.parse(Map.of("MOLT_WORKER_WIRE", "msgpack", "MOLT_WIRE", "json")).wire())
                .isEqualTo(Wire.MSGPACK);
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> EnvironmentSettings.parse(Map.of("MOLT_ACCEL_POOL_SIZE", "two")))
                .hasMessageContaining("MOLT_ACCEL_POOL_SIZE");
        assertThatThrownBy(() -> EnvironmentSettings.parse(Map.of("MOLT_ACCEL_POOL_SIZE", "0")))
                .hasMessageContaining("MOLT_ACCEL_POOL_SIZE");
        assertThatThrownBy(() -> EnvironmentSettings.parse(Map.of("MOLT_WIRE", "xml")))
                .hasMessageContaining("MOLT_WIRE");
        assertThatThrownBy(() -> EnvironmentSettings.parse(Map.of("MOLT_ACCEL_CLIENT_MODE", "pooled")))
                .hasMessageContaining("MOLT_ACCEL_CLIENT_MODE");
        assertThatThrownBy(() -> EnvironmentSettings.parse(Map.of("MOLT_ACCEL_RETRY_ON_BUSY", "maybe")))
                .hasMessageContaining("MOLT_ACCEL_RETRY_ON_BUSY");
        assertThatThrownBy(() -> CallOptions.builder().timeoutMs(-1)).hasMessageContaining("timeout < 0");
        assertThatThrownBy(() -> MoltClient.builder().poolSize(0)).hasMessageContaining("poolSize < 1");
    }

    @Test
    void fromEnvironmentRunsTheConfiguredCommandAsAPool() {
        String cmd = String.join(" ", TestWorkers.testWorkerCommand());
        try (MoltClient client = MoltClients.fromEnvironment(Map.of("MOLT_WORKER_CMD", cmd, "MOLT_ACCEL_POOL_SIZE", "2",
                "MOLT_WIRE", "json"))) {
            assertThat(client).isInstanceOf(MoltClientPool.class);
            assertThat(client.call("echo", map("via", "env")).value()).isEqualTo(map("via", "env"));
        }
    }

    @Test
    void perRequestModeStartsAWorkerPerCall() {
        String cmd = String.join(" ", TestWorkers.testWorkerCommand());
        try (MoltClient client = MoltClients.fromEnvironment(Map.of("MOLT_WORKER_CMD", cmd,
                "MOLT_ACCEL_CLIENT_MODE", "per_request"))) {
            CallOptions slow = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();
            assertThat(client.call("count", map(), slow).value()).isEqualTo(map("count", 1));
            assertThat(client.call("count", map(), slow).value()).isEqualTo(map("count", 1));
            assertThat(client.callAsync("count", map(), slow).join().value()).isEqualTo(map("count", 1));
        }
    }

    @Test
    void perRequestClientClosedRightAfterAnAsyncCallLeavesNoWorker() {
        String cmd = String.join(" ", TestWorkers.testWorkerCommand());
        CallOptions slow = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();
        for (int i = 0; i < 3; i++) {
            // the caller sees the answer, and closes, possibly before the call's own close is queued
            try (MoltClient client = MoltClients.fromEnvironment(Map.of("MOLT_WORKER_CMD", cmd,
                    "MOLT_ACCEL_CLIENT_MODE", "per_request"))) {
                assertThat(client.callAsync("count", map(), slow).join().value()).isEqualTo(map("count", 1));
            }
            TestWorkers.assertNoChildren();
        }
    }

    @Test
    void bundledWorkerIsTheLastResort() {
        try (MoltClient client = MoltClient.builder().environmentDefaults(Map.of("PATH", "")).build()) {
            assertThat(client.call("compute", map("values", "1,2,3"),
                    CallOptions.builder().timeout(Duration.ofSeconds(20)).build()).value())
                    .isEqualTo(map("count", 3, "sum", 6.0, "scaled", java.util.List.of(1.0, 2.0, 3.0)));
        }
    }
}
