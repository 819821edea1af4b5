package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.MoltWorkerUnavailableException;
import java.util.Locale;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start that failed because no Molt worker could be started (with
 * {@code molt.accel.fail-fast=true}), in particular a worker executable that does not exist.
 */
public class MoltWorkerFailureAnalyzer extends AbstractFailureAnalyzer<MoltWorkerUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MoltWorkerUnavailableException cause) {
        String message = String.valueOf(cause.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        boolean notFound = lower.contains("cannot run program") || lower.contains("error=2")
                || lower.contains("no such file") || lower.contains("no worker command");
        String description = (notFound ? "The Molt worker executable was not found: "
                : "The Molt worker could not be started: ") + message;
        String action = notFound
                ? "Point molt.accel.worker.command (or the MOLT_WORKER_CMD environment variable) at an executable that "
                        + "speaks the Molt stdio protocol, put molt-worker on the PATH, or add molt-accel-worker to the "
                        + "class path to run the bundled Java worker. To start the application without a worker "
                        + "(offloaded endpoints answer 503 until one starts), set molt.accel.fail-fast=false."
                : "Check the worker's own output above (its stderr is logged with its pid), the worker command "
                        + "(molt.accel.worker.command / MOLT_WORKER_CMD) and molt.accel.worker.start-timeout. To start "
                        + "the application without a worker, set molt.accel.fail-fast=false.";
        return new FailureAnalysis(description, action, cause);
    }
}
