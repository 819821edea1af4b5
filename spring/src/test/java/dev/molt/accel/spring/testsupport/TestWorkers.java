package dev.molt.accel.spring.testsupport;

import dev.molt.accel.test.worker.TestWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Worker command lines and process checks for the starter's tests. */
public final class TestWorkers {

    private TestWorkers() {
    }

    /** {@code java ... TestWorker --stdio <args>} on this JVM's class path. */
    public static List<String> command(String... args) {
        List<String> a = new ArrayList<>();
        a.add("--stdio");
        a.addAll(List.of(args));
        return TestWorker.command(a.toArray(String[]::new));
    }

    /** {@code java ... <mainClass> --stdio} on this JVM's class path. */
    public static List<String> javaCommand(Class<?> mainClass) {
        return TestWorker.javaCommand(mainClass.getName(), "--stdio");
    }

    /** {@code molt.accel.worker.command[i]=...} pairs for {@code command}. */
    public static String[] commandProperties(List<String> command) {
        String[] p = new String[command.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = "molt.accel.worker.command[" + i + "]=" + command.get(i);
        }
        return p;
    }

    /** Registers {@code command} as {@code molt.accel.worker.command}. */
    public static void register(DynamicPropertyRegistry registry, List<String> command) {
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            registry.add("molt.accel.worker.command[" + i + "]", () -> arg);
        }
    }

    /** Process ids of this JVM's live descendants. */
    public static Set<Long> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    /** Waits (up to 15 s) until every live descendant of this JVM is one of {@code before}. */
    public static void awaitOnlyDescendants(Set<Long> before) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                .until(() -> before.containsAll(descendants()));
    }
}
