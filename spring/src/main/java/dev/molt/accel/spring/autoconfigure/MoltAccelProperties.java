package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * The {@code molt.accel.*} properties. The environment variables of PROTOCOL.md section 10
 * ({@code MOLT_WORKER_CMD}, {@code MOLT_WORKER_WIRE} / {@code MOLT_WIRE},
 * {@code MOLT_ACCEL_CLIENT_MODE}, {@code MOLT_ACCEL_POOL_SIZE}, {@code MOLT_ACCEL_RETRY_*}) set the
 * corresponding properties, with the precedence of environment variables. The bound values are
 * validated ({@link #validate}), so a bad value fails the start naming the property.
 */
@ConfigurationProperties("molt.accel")
public class MoltAccelProperties implements Validator {

    /** Whether the starter is active. When false, @MoltOffload methods run their bodies in-process. */
    private boolean enabled = true;

    /** How calls hold their clients: shared (one client or pool) or per_request (a worker per call). */
    private ClientMode clientMode = ClientMode.SHARED;

    /** Worker processes of the shared client; more than 1 makes a pool (least calls in flight first). */
    private int poolSize = 1;

    /** Default deadline of a whole offloaded call, retries included; 0 means none. */
    private Duration timeout = Duration.ofMillis(250);

    /** HTTP status answered when a worker is busy: 429 or 503. */
    private int busyStatus = 429;

    /** Whether error details (exception and worker messages) are shown to HTTP clients. */
    private boolean exposeDetails = false;

    /**
     * Whether the shared workers are started (and answered __ping__) while the application starts,
     * so that the first request pays no start-up. A worker that cannot start is logged; the
     * application still starts unless fail-fast is set.
     */
    private boolean eagerStart = true;

    /** Whether a worker that cannot be started at application start fails the application start. */
    private boolean failFast = false;

    /**
     * Largest request body (counted while it is read, chunked or not) and largest encoded payload
     * accepted by an offloaded endpoint (else 413).
     */
    private DataSize maxRequestSize = DataSize.ofMegabytes(10);

    /** Value of the Retry-After header of 503 and 429 answers (rounded up to seconds). */
    private Duration retryAfter = Duration.ofSeconds(1);

    private final Worker worker = new Worker();

    private final Retry retry = new Retry();

    private final Health health = new Health();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public ClientMode getClientMode() {
        return clientMode;
    }

    public void setClientMode(ClientMode clientMode) {
        this.clientMode = Objects.requireNonNull(clientMode, "clientMode");
    }

    public int getPoolSize() {
        return poolSize;
    }

    public void setPoolSize(int poolSize) {
        this.poolSize = poolSize;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public int getBusyStatus() {
        return busyStatus;
    }

    public void setBusyStatus(int busyStatus) {
        this.busyStatus = busyStatus;
    }

    public boolean isExposeDetails() {
        return exposeDetails;
    }

    public void setExposeDetails(boolean exposeDetails) {
        this.exposeDetails = exposeDetails;
    }

    public boolean isEagerStart() {
        return eagerStart;
    }

    public void setEagerStart(boolean eagerStart) {
        this.eagerStart = eagerStart;
    }

    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    public DataSize getMaxRequestSize() {
        return maxRequestSize;
    }

    public void setMaxRequestSize(DataSize maxRequestSize) {
        this.maxRequestSize = Objects.requireNonNull(maxRequestSize, "maxRequestSize");
    }

    public Duration getRetryAfter() {
        return retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Worker getWorker() {
        return worker;
    }

    public Retry getRetry() {
        return retry;
    }

    public Health getHealth() {
        return health;
    }

    @Override
    public boolean supports(Class<?> clazz) {
        return MoltAccelProperties.class.isAssignableFrom(clazz);
    }

    /**
     * Checks the values once bound; each error names its property, so a bad value fails the start
     * with "Property: molt.accel.busy-status, Value: 418, Reason: must be 429 or 503".
     */
    @Override
    public void validate(Object target, Errors errors) {
        MoltAccelProperties p = (MoltAccelProperties) target;
        if (p.poolSize < 1 || p.poolSize > 1024) {
            errors.rejectValue("poolSize", "range", "must be within 1..1024");
        }
        nonNegative(errors, "timeout", p.timeout);
        if (p.timeout.toMillis() > 0xFFFF_FFFFL) {
            errors.rejectValue("timeout", "range", "must fit in 32 bits of milliseconds");
        }
        if (p.busyStatus != 429 && p.busyStatus != 503) {
            errors.rejectValue("busyStatus", "range", "must be 429 or 503");
        }
        if (p.maxRequestSize.toBytes() < 1) {
            errors.rejectValue("maxRequestSize", "range", "must be positive");
        }
        nonNegative(errors, "retryAfter", p.retryAfter);
        Worker w = p.worker;
        positive(errors, "worker.startTimeout", w.startTimeout);
        positive(errors, "worker.closeTimeout", w.closeTimeout);
        nonNegative(errors, "worker.cancelGrace", w.cancelGrace);
        positive(errors, "worker.restartBackoff", w.restartBackoff);
        positive(errors, "worker.restartBackoffMax", w.restartBackoffMax);
        if (w.restartBackoffMax.compareTo(w.restartBackoff) < 0) {
            errors.rejectValue("worker.restartBackoffMax", "range", "must not be less than worker.restart-backoff");
        }
        if (w.maxRestarts < 0) {
            errors.rejectValue("worker.maxRestarts", "range", "must not be negative");
        }
        if (w.maxFrameSize.toBytes() < 64 || w.maxFrameSize.toBytes() > Integer.MAX_VALUE) {
            errors.rejectValue("worker.maxFrameSize", "range", "must be within 64B..2GB");
        }
        Retry r = p.retry;
        if (r.maxRetries < 0) {
            errors.rejectValue("retry.maxRetries", "range", "must not be negative");
        }
        nonNegative(errors, "retry.backoff", r.backoff);
        nonNegative(errors, "retry.backoffMax", r.backoffMax);
        if (r.backoffMax.compareTo(r.backoff) < 0) {
            errors.rejectValue("retry.backoffMax", "range", "must not be less than retry.backoff");
        }
        positive(errors, "health.pingTimeout", p.health.pingTimeout);
        if (p.health.failureThreshold < 0) {
            errors.rejectValue("health.failureThreshold", "range", "must not be negative");
        }
    }

    private static void nonNegative(Errors errors, String field, Duration d) {
        if (d.isNegative()) {
            errors.rejectValue(field, "range", "must not be negative");
        }
    }

    private static void positive(Errors errors, String field, Duration d) {
        if (d.isNegative() || d.isZero()) {
            errors.rejectValue(field, "range", "must be positive");
        }
    }

    /** The worker processes: how to launch them and talk to them. */
    public static class Worker {

        /**
         * The worker command as a list of arguments, launched directly (never through a shell).
         * Empty: command-line, else a molt-worker executable on PATH, else the bundled Java worker.
         */
        private List<String> command = new ArrayList<>();

        /** The worker command as one line split on white space, like MOLT_WORKER_CMD; command wins. */
        private String commandLine;

        /** Envelope wire: msgpack or json. */
        private Wire wire = Wire.MSGPACK;

        /** Variables added to the worker's environment (it inherits the rest). */
        private Map<String, String> environment = new LinkedHashMap<>();

        /** Working directory of the worker; the application's by default. */
        private Path workingDirectory;

        /**
         * JVM options of the bundled Java worker (ignored for other commands). -XX:+UseSerialGC is
         * added unless these choose a collector.
         */
        private List<String> javaOptions = new ArrayList<>();

        /** How long a worker may take to start and answer its readiness ping. */
        private Duration startTimeout = Duration.ofSeconds(20);

        /** How long closing waits at each step (stdin closed, SIGTERM) before escalating. */
        private Duration closeTimeout = Duration.ofSeconds(2);

        /** How long a worker may take to answer a timed-out call after its __cancel__ before it is replaced. */
        private Duration cancelGrace = Duration.ofMillis(200);

        /** First backoff after a failed worker start; doubles up to restart-backoff-max. */
        private Duration restartBackoff = Duration.ofMillis(10);

        /** Largest backoff between failed worker starts. */
        private Duration restartBackoffMax = Duration.ofSeconds(5);

        /** How many times an idempotent call may be re-sent after its worker died. */
        private int maxRestarts = 1;

        /** Largest frame body sent or accepted. */
        private DataSize maxFrameSize = DataSize.ofMegabytes(64);

        public List<String> getCommand() {
            return command;
        }

        public void setCommand(List<String> command) {
            this.command = new ArrayList<>(Objects.requireNonNull(command, "command"));
        }

        public String getCommandLine() {
            return commandLine;
        }

        public void setCommandLine(String commandLine) {
            this.commandLine = commandLine;
        }

        public Wire getWire() {
            return wire;
        }

        public void setWire(Wire wire) {
            this.wire = Objects.requireNonNull(wire, "wire");
        }

        public Map<String, String> getEnvironment() {
            return environment;
        }

        public void setEnvironment(Map<String, String> environment) {
            this.environment = new LinkedHashMap<>(environment);
        }

        public Path getWorkingDirectory() {
            return workingDirectory;
        }

        public void setWorkingDirectory(Path workingDirectory) {
            this.workingDirectory = workingDirectory;
        }

        public List<String> getJavaOptions() {
            return javaOptions;
        }

        public void setJavaOptions(List<String> javaOptions) {
            this.javaOptions = new ArrayList<>(javaOptions);
        }

        public Duration getStartTimeout() {
            return startTimeout;
        }

        public void setStartTimeout(Duration startTimeout) {
            this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
        }

        public Duration getCloseTimeout() {
            return closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        }

        public Duration getCancelGrace() {
            return cancelGrace;
        }

        public void setCancelGrace(Duration cancelGrace) {
            this.cancelGrace = Objects.requireNonNull(cancelGrace, "cancelGrace");
        }

        public Duration getRestartBackoff() {
            return restartBackoff;
        }

        public void setRestartBackoff(Duration restartBackoff) {
            this.restartBackoff = Objects.requireNonNull(restartBackoff, "restartBackoff");
        }

        public Duration getRestartBackoffMax() {
            return restartBackoffMax;
        }

        public void setRestartBackoffMax(Duration restartBackoffMax) {
            this.restartBackoffMax = Objects.requireNonNull(restartBackoffMax, "restartBackoffMax");
        }

        public int getMaxRestarts() {
            return maxRestarts;
        }

        public void setMaxRestarts(int maxRestarts) {
            this.maxRestarts = maxRestarts;
        }

        public DataSize getMaxFrameSize() {
            return maxFrameSize;
        }

        public void setMaxFrameSize(DataSize maxFrameSize) {
            this.maxFrameSize = Objects.requireNonNull(maxFrameSize, "maxFrameSize");
        }

        /** The effective command: {@code command}, else {@code command-line} split on white space, else empty. */
        public List<String> effectiveCommand() {
            if (!command.isEmpty()) {
                return List.copyOf(command);
            }
            if (commandLine != null && !commandLine.isBlank()) {
                return List.of(commandLine.trim().split("\\s+"));
            }
            return List.of();
        }
    }

    /** Retries of offloaded calls; @MoltOffload options override each. */
    public static class Retry {

        /** Whether an idempotent call that timed out is sent again. */
        private boolean onTimeout = false;

        /** Whether a call answered Busy is sent again (safe: a busy worker did not run it). */
        private boolean onBusy = false;

        /** Largest number of retries of one call. */
        private int maxRetries = 2;

        /** First backoff between retries; doubles up to backoff-max. */
        private Duration backoff = Duration.ofMillis(10);

        /** Largest backoff between retries. */
        private Duration backoffMax = Duration.ofMillis(200);

        public boolean isOnTimeout() {
            return onTimeout;
        }

        public void setOnTimeout(boolean onTimeout) {
            this.onTimeout = onTimeout;
        }

        public boolean isOnBusy() {
            return onBusy;
        }

        public void setOnBusy(boolean onBusy) {
            this.onBusy = onBusy;
        }

        public int getMaxRetries() {
            return maxRetries;
        }

        public void setMaxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getBackoff() {
            return backoff;
        }

        public void setBackoff(Duration backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
        }

        public Duration getBackoffMax() {
            return backoffMax;
        }

        public void setBackoffMax(Duration backoffMax) {
            this.backoffMax = Objects.requireNonNull(backoffMax, "backoffMax");
        }
    }

    /** The {@code molt} health indicator. */
    public static class Health {

        /** How long the health check waits for every worker to answer __ping__. */
        private Duration pingTimeout = Duration.ofSeconds(1);

        public Duration getPingTimeout() {
            return pingTimeout;
        }

        public void setPingTimeout(Duration pingTimeout) {
            this.pingTimeout = Objects.requireNonNull(pingTimeout, "pingTimeout");
        }

        /**
         * Consecutive calls ending in a protocol error or a timeout after which health is DOWN
         * (reason {@code calls_failing}) even while the workers answer {@code __ping__}; the next
         * successful call makes it UP again. 0 turns this off.
         */
        private int failureThreshold = 5;

        public int getFailureThreshold() {
            return failureThreshold;
        }

        public void setFailureThreshold(int failureThreshold) {
            this.failureThreshold = failureThreshold;
        }
    }
}
