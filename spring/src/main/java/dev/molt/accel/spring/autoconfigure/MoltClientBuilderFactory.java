package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltClientBuilder;
import dev.molt.accel.client.MoltClientListener;
import java.util.List;

/**
 * Makes {@link MoltClientBuilder}s configured from the {@code molt.accel.*} properties, the
 * {@link MoltClientBuilderCustomizer} beans and the {@link MoltClientListener} beans. Use it to build
 * additional clients that share the application's configuration; the caller owns what it builds.
 * Thread-safe.
 */
public class MoltClientBuilderFactory {

    private final MoltAccelProperties properties;
    private final List<MoltClientBuilderCustomizer> customizers;
    private final MoltClientListener listener;

    public MoltClientBuilderFactory(MoltAccelProperties properties, List<MoltClientBuilderCustomizer> customizers,
            MoltClientListener listener) {
        this.properties = properties;
        this.customizers = List.copyOf(customizers);
        this.listener = listener;
    }

    /** A new builder; each call returns an independent one. */
    public MoltClientBuilder newBuilder() {
        MoltAccelProperties.Worker w = properties.getWorker();
        MoltClientBuilder b = MoltClient.builder();
        List<String> command = w.effectiveCommand();
        if (!command.isEmpty()) {
            b.command(command);
        }
        b.environment(w.getEnvironment())
                .workingDirectory(w.getWorkingDirectory())
                .javaOptions(w.getJavaOptions())
                .wire(w.getWire())
                .poolSize(properties.getPoolSize())
                .maxFrameBytes((int) w.getMaxFrameSize().toBytes())
                .startTimeout(w.getStartTimeout())
                .closeTimeout(w.getCloseTimeout())
                .cancelGrace(w.getCancelGrace())
                .restartBackoff(w.getRestartBackoff(), w.getRestartBackoffMax())
                .maxRestarts(w.getMaxRestarts())
                .defaultOptions(defaultCallOptions())
                .listener(listener)
                .name("molt");
        for (MoltClientBuilderCustomizer c : customizers) {
            c.customize(b);
        }
        return b;
    }

    /** The call options of calls that name none: timeout and retries from the properties. */
    public CallOptions defaultCallOptions() {
        MoltAccelProperties.Retry r = properties.getRetry();
        return CallOptions.builder()
                .timeout(properties.getTimeout())
                .retryOnTimeout(r.isOnTimeout())
                .retryOnBusy(r.isOnBusy())
                .maxRetries(r.getMaxRetries())
                .retryBackoff(r.getBackoff())
                .retryBackoffMax(r.getBackoffMax().compareTo(r.getBackoff()) < 0 ? r.getBackoff() : r.getBackoffMax())
                .build();
    }
}
