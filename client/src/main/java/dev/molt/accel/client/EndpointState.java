package dev.molt.accel.client;

import java.util.Objects;

/**
 * A snapshot of one worker endpoint of a client built with {@link MoltClientBuilder#endpoints}: a
 * Unix socket, an address literal, or one of the addresses a host name resolves to. Immutable.
 *
 * @param endpoint the endpoint as configured ({@code tcp://workers.example:7000})
 * @param address the address dialled ({@code 10.0.0.7}), or {@code null} for a Unix socket or a name that does not resolve
 * @param state whether the endpoint takes calls
 * @param connections connections open to it whose worker answered its readiness {@code __ping__}
 * @param failures connection attempts failed in a row (reset by a connection that becomes ready)
 * @param reason why it is down, a short code: {@code refused}, {@code timeout}, {@code unresolved},
 *     {@code tls}, {@code not_ready} (connected, but no worker answered), {@code io}; {@code null} when up
 */
public record EndpointState(String endpoint, String address, State state, int connections, int failures, String reason) {

    /** Whether an endpoint takes calls. */
    public enum State {
        /** At least one connection is ready. */
        UP,
        /** No ready connection and no failure yet: connecting. */
        CONNECTING,
        /** Its last attempt failed: ejected, and tried again after a backoff. */
        DOWN
    }

    public EndpointState {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(state, "state");
    }
}
