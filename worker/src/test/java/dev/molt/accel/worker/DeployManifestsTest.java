package dev.molt.accel.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests and the Dockerfile of {@code deploy/} are consistent with the worker:
 * they parse, name kinds and ports that match each other, run arguments this worker accepts,
 * probe the address it listens on with {@code --probe}, and give it more termination grace than
 * its drain takes. (No cluster runs here; this is what can be checked without one.)
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("..", "deploy");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(String file) throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object d : yaml.loadAll(Files.readString(DEPLOY.resolve("kubernetes").resolve(file)))) {
            Map<String, Object> doc = (Map<String, Object>) d;
            assertThat(doc).as(file).containsKeys("apiVersion", "kind", "metadata");
            assertThat(map(doc, "metadata")).as(file).containsKeys("name", "namespace");
            docs.add(doc);
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> m, String... path) {
        Object v = m;
        for (String k : path) {
            v = ((Map<String, Object>) v).get(k);
            assertThat(v).as(String.join(".", path)).isNotNull();
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? List.of() : (List<Map<String, Object>>) v;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow(
                () -> new AssertionError("no " + kind));
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object v) {
        return ((List<Object>) v).stream().map(String::valueOf).toList();
    }

    private static Map<String, Object> container(Map<String, Object> podSpec, String name) {
        return Stream.concat(list(podSpec, "initContainers").stream(), list(podSpec, "containers").stream())
                .filter(c -> name.equals(c.get("name"))).findFirst().orElseThrow(() -> new AssertionError("no " + name));
    }

    private static String arg(List<String> args, String option) {
        int i = args.indexOf(option);
        assertThat(i).as(option + " in " + args).isNotNegative();
        return args.get(i + 1);
    }

    /** The worker's arguments parse as its own command line does. */
    private static WorkerCommandLine parsed(List<String> args) {
        return WorkerCommandLine.parse(args.toArray(String[]::new), Map.of());
    }

    private static String env(Map<String, Object> container, String name) {
        return list(container, "env").stream().filter(e -> name.equals(e.get("name"))).map(e -> String.valueOf(e.get("value")))
                .findFirst().orElseThrow(() -> new AssertionError("no env " + name));
    }

    private static void probesUse(Map<String, Object> worker, String address) {
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            List<String> cmd = strings(map(worker, probe, "exec").get("command"));
            assertThat(cmd.subList(0, 3)).as(probe).containsExactly("molt-worker", "--probe", address);
            WorkerCommandLine p = parsed(cmd.subList(1, cmd.size()));
            int timeoutSeconds = ((Number) map(worker, probe).get("timeoutSeconds")).intValue();
            assertThat(p.probeTimeout()).as(probe + ": the probe gives up before Kubernetes does")
                    .isLessThan(Duration.ofSeconds(timeoutSeconds));
        }
    }

    private static Map<String, String> mounts(Map<String, Object> container) {
        Map<String, String> m = new java.util.HashMap<>();
        for (Map<String, Object> v : list(container, "volumeMounts")) {
            m.put(String.valueOf(v.get("name")), String.valueOf(v.get("mountPath")));
        }
        return m;
    }

    @Test
    void remoteWorkersBehindAHeadlessServiceWithTlsFromASecret() throws IOException {
        List<Map<String, Object>> docs = documents("remote-workers.yaml");
        Map<String, Object> service = kind(docs, "Service");
        Map<String, Object> deployment = kind(docs, "Deployment");
        assertThat(map(service, "spec").get("clusterIP")).as("headless").isEqualTo("None");
        assertThat(map(service, "spec", "selector")).isEqualTo(map(deployment, "spec", "selector", "matchLabels"));
        assertThat(map(deployment, "spec", "template", "metadata", "labels"))
                .containsAllEntriesOf(map(deployment, "spec", "selector", "matchLabels"));
        assertThat(map(kind(docs, "PodDisruptionBudget"), "spec", "selector", "matchLabels"))
                .isEqualTo(map(deployment, "spec", "selector", "matchLabels"));

        Map<String, Object> pod = map(deployment, "spec", "template", "spec");
        Map<String, Object> worker = container(pod, "worker");
        List<String> args = strings(worker.get("args"));
        WorkerCommandLine cmd = parsed(args);
        assertThat(cmd.listen()).containsExactly("tls://0.0.0.0:7000");
        ListenAddress listen = ListenAddress.parse(cmd.listen().get(0));

        Map<String, Object> port = list(map(service, "spec"), "ports").get(0);
        Map<String, Object> containerPort = list(worker, "ports").get(0);
        assertThat(port.get("targetPort")).isEqualTo(containerPort.get("name"));
        assertThat(containerPort.get("containerPort")).isEqualTo(listen.port());
        assertThat(port.get("port")).isEqualTo(listen.port());

        String tlsDir = mounts(worker).get("tls");
        assertThat(cmd.tlsCert().toString()).startsWith(tlsDir + "/");
        assertThat(cmd.tlsKey().toString()).startsWith(tlsDir + "/");
        assertThat(cmd.tlsClientCa().toString()).startsWith(tlsDir + "/");
        Map<String, Object> tlsVolume = list(pod, "volumes").stream().filter(v -> "tls".equals(v.get("name"))).findFirst()
                .orElseThrow();
        assertThat(map(tlsVolume, "secret").get("secretName")).isEqualTo("molt-worker-tls");

        probesUse(worker, "tls://127.0.0.1:" + listen.port());
        int grace = ((Number) pod.get("terminationGracePeriodSeconds")).intValue();
        List<String> preStop = strings(map(worker, "lifecycle", "preStop", "exec").get("command"));
        long preStopSeconds = Long.parseLong(preStop.get(1));
        assertThat(Duration.ofSeconds(preStopSeconds).plus(cmd.drainTimeout()))
                .as("preStop + drain fit in the grace period").isLessThan(Duration.ofSeconds(grace));
        assertThat(env(worker, "MOLT_WORKER_THREADS"))
                .isEqualTo(String.valueOf(map(worker, "resources", "requests").get("cpu")));

        // the app addresses the Service by its cluster DNS name and port
        Map<String, Object> app = container(map(kind(documents("app-with-remote-workers.yaml"), "Deployment"),
                "spec", "template", "spec"), "app");
        String endpoint = env(app, "MOLT_ACCEL_ENDPOINTS");
        Map<String, Object> meta = map(service, "metadata");
        assertThat(endpoint).isEqualTo("tls://" + meta.get("name") + "." + meta.get("namespace") + ".svc.cluster.local:"
                + listen.port());
    }

    @Test
    void sidecarOverAUnixSocketInASharedEmptyDir() throws IOException {
        Map<String, Object> deployment = kind(documents("app-with-sidecar.yaml"), "Deployment");
        Map<String, Object> pod = map(deployment, "spec", "template", "spec");
        Map<String, Object> worker = container(pod, "molt-worker");
        Map<String, Object> app = container(pod, "app");
        WorkerCommandLine cmd = parsed(strings(worker.get("args")));
        assertThat(cmd.listen()).hasSize(1);
        ListenAddress listen = ListenAddress.parse(cmd.listen().get(0));
        assertThat(listen.kind()).isEqualTo(ListenAddress.Kind.UNIX);
        String dir = mounts(worker).get("molt-socket");
        assertThat(mounts(app).get("molt-socket")).as("the same directory in both containers").isEqualTo(dir);
        assertThat(listen.path().getParent().toString()).isEqualTo(dir);
        Map<String, Object> socketVolume = list(pod, "volumes").stream().filter(v -> "molt-socket".equals(v.get("name")))
                .findFirst().orElseThrow();
        assertThat(socketVolume).containsKey("emptyDir");
        assertThat(env(app, "MOLT_ACCEL_ENDPOINTS")).isEqualTo(listen.toString());
        assertThat(SocketOptions.parseMode(cmd.socketMode())).isEqualTo(SocketOptions.parseMode("0600"));
        probesUse(worker, listen.toString());
        assertThat(worker.get("restartPolicy")).as("a native sidecar").isEqualTo("Always");
        int grace = ((Number) pod.get("terminationGracePeriodSeconds")).intValue();
        assertThat(cmd.drainTimeout()).isLessThan(Duration.ofSeconds(grace));
    }

    @Test
    void dockerfileRunsTheWorkerAsANonRootUserOnTheJre() throws IOException {
        List<String> lines = Files.readAllLines(DEPLOY.resolve("container").resolve("Dockerfile"));
        assertThat(lines).contains("FROM eclipse-temurin:17-jre", "USER 10001:10001", "EXPOSE 7000");
        String script = Files.readString(DEPLOY.resolve("container").resolve("molt-worker.sh"));
        assertThat(script).contains("exec java").contains("dev.molt.accel.worker.MoltWorkerMain").contains("--probe");
        String cmd = String.join(" ", lines.subList(lines.indexOf(lines.stream().filter(l -> l.startsWith("CMD")).findFirst()
                .orElseThrow()), lines.size())).replace("\\", " ");
        List<String> args = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]*)\"").matcher(cmd);
        while (m.find()) {
            args.add(m.group(1));
        }
        WorkerCommandLine parsed = parsed(args);
        assertThat(parsed.listen()).containsExactly("tls://0.0.0.0:7000");
        assertThat(parsed.tlsClientCa()).isNotNull();
    }
}
