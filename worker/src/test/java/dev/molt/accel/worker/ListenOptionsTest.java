package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Addresses, socket options of the builder, and their command line and environment. */
class ListenOptionsTest {

    @Test
    void addressesParseInOnePassAndSayWhatIsWrong() {
        assertThat(ListenAddress.parse("unix:/run/molt/w.sock").path()).isEqualTo(Path.of("/run/molt/w.sock"));
        assertThat(ListenAddress.parse("unix:///run/w.sock").toString()).isEqualTo("unix:/run/w.sock");
        ListenAddress tcp = ListenAddress.parse("tcp://127.0.0.1:7000");
        assertThat(tcp.kind()).isEqualTo(ListenAddress.Kind.TCP);
        assertThat(tcp.host()).isEqualTo("127.0.0.1");
        assertThat(tcp.port()).isEqualTo(7000);
        ListenAddress v6 = ListenAddress.parse("tls://[::1]:0");
        assertThat(v6.host()).isEqualTo("::1");
        assertThat(v6.withPort(4433).toString()).isEqualTo("tls://[::1]:4433");
        assertThatThrownBy(() -> ListenAddress.parse("http://x:1")).hasMessageContaining("must start with unix:, tcp:// or tls://");
        assertThatThrownBy(() -> ListenAddress.parse("tcp://host")).hasMessageContaining("needs host:port");
        assertThatThrownBy(() -> ListenAddress.parse("tcp://h:65536")).hasMessageContaining("port must be 0..65535");
        assertThatThrownBy(() -> ListenAddress.parse("tcp://::1:80")).hasMessageContaining("in brackets");
        assertThatThrownBy(() -> ListenAddress.parse("tcp://:80")).hasMessageContaining("needs a host");
        assertThatThrownBy(() -> ListenAddress.parse("unix:")).hasMessageContaining("needs a socket path");
        assertThatThrownBy(() -> ListenAddress.parse("tcp://a b:1")).hasMessageContaining("white space");
        assertThatThrownBy(() -> ListenAddress.parse("unix:/" + "x".repeat(2000))).hasMessageContaining("longer than 1024");
    }

    @Test
    void builderChecksSocketOptions() {
        MoltWorker.Builder b = MoltWorker.builder();
        assertThatThrownBy(() -> b.maxConnections(0)).hasMessage("maxConnections must be >= 1, got 0");
        assertThatThrownBy(() -> b.maxInFlightPerConnection(-1)).hasMessage("maxInFlightPerConnection must be >= 0, got -1");
        assertThatThrownBy(() -> b.idleTimeout(Duration.ofSeconds(-1))).hasMessageContaining("idleTimeout must not be negative");
        assertThatThrownBy(() -> b.socketMode("999")).hasMessageContaining("octal");
        assertThatThrownBy(() -> b.listen("tcp//x")).hasMessageContaining("bad address");
        assertThatThrownBy(() -> MoltWorker.builder().listen("tls://127.0.0.1:0").build())
                .hasMessageContaining("needs a certificate and a key");
        assertThatThrownBy(() -> MoltWorker.builder().build().start()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> MoltWorker.builder().listen("tcp://0.0.0.0:0").build().start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refusing plaintext");
        assertThat(SocketOptions.parseMode("0660").toString()).contains("GROUP_WRITE").doesNotContain("OTHERS");
        SocketOptions defaults = MoltWorker.builder().build().socketOptions();
        assertThat(defaults.maxConnections()).isEqualTo(256);
        assertThat(defaults.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(MoltWorker.builder().build().drainTimeout()).isEqualTo(Duration.ofSeconds(25));
    }

    @Test
    void commandLineAndEnvironment() {
        WorkerCommandLine env = WorkerCommandLine.parse(new String[0], Map.of(
                "MOLT_WORKER_LISTEN", "unix:/tmp/a.sock, tcp://127.0.0.1:0",
                "MOLT_WORKER_TLS_CERT", "c.pem", "MOLT_WORKER_TLS_KEY", "k.pem",
                "MOLT_WORKER_ALLOW_PLAINTEXT", "true", "MOLT_WORKER_IDLE_TIMEOUT", "90s",
                "MOLT_WORKER_DRAIN_TIMEOUT", "1500ms", "MOLT_WORKER_MAX_CONNECTIONS", "8"));
        assertThat(env.listen()).containsExactly("unix:/tmp/a.sock", "tcp://127.0.0.1:0");
        assertThat(env.servesStdio()).isFalse();
        assertThat(env.tlsCert()).isEqualTo(Path.of("c.pem"));
        assertThat(env.allowPlaintext()).isTrue();
        assertThat(env.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(env.drainTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(env.maxConnections()).isEqualTo(8);

        WorkerCommandLine cmd = WorkerCommandLine.parse(new String[] {"--stdio", "--listen", "unix:/tmp/b.sock",
            "--listen=tls://127.0.0.1:7000", "--idle-timeout", "5m", "--max-in-flight-per-connection", "0",
            "--socket-mode", "0660", "--probe-timeout", "2"}, Map.of("MOLT_WORKER_LISTEN", "unix:/tmp/a.sock"));
        assertThat(cmd.listen()).as("the command line replaces the environment's addresses")
                .containsExactly("unix:/tmp/b.sock", "tls://127.0.0.1:7000");
        assertThat(cmd.servesStdio()).isTrue();
        assertThat(cmd.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(cmd.maxInFlightPerConnection()).isZero();
        assertThat(cmd.probeTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(WorkerCommandLine.parse(new String[0], Map.of()).servesStdio()).isTrue();

        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--listen", "ftp://x:1"}, Map.of()))
                .hasMessageStartingWith("--listen: bad address");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--idle-timeout", "5 years"}, Map.of()))
                .hasMessageContaining("500ms, 25s or 5m");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--drain-timeout", "9999999999s"}, Map.of()))
                .hasMessageContaining("must be a time");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[0], Map.of("MOLT_WORKER_ALLOW_PLAINTEXT", "yes")))
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--socket-mode", "rw"}, Map.of()))
                .hasMessageContaining("octal");
        assertThatThrownBy(() -> WorkerCommandLine.parse(new String[] {"--allow-plaintext=1"}, Map.of()))
                .hasMessageContaining("takes no value");
    }
}
