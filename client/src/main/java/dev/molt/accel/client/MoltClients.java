package dev.molt.accel.client;

import java.util.Map;

/** Factories for clients configured from the environment (PROTOCOL.md section 10). */
public final class MoltClients {

    private MoltClients() {
    }

    /**
     * A client configured from the process environment: the worker command, wire, pool size,
     * client mode and retry defaults. The caller owns it and must close it.
     *
     * @throws IllegalArgumentException naming a variable whose value is invalid
     */
    public static MoltClient fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** As {@link #fromEnvironment()}, reading the variables from {@code env}. */
    public static MoltClient fromEnvironment(Map<String, String> env) {
        MoltClientBuilder builder = MoltClient.builder().environmentDefaults(env);
        return EnvironmentSettings.parse(env).mode() == ClientMode.PER_REQUEST
                ? new PerRequestMoltClient(builder)
                : builder.build();
    }

    /**
     * A client that starts a new worker process for every call and closes it after the call.
     * Isolation at the price of a process start per call; the builder's pool size is ignored.
     */
    public static MoltClient perRequest(MoltClientBuilder builder) {
        return new PerRequestMoltClient(builder);
    }
}
