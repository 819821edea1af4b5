package dev.molt.accel.client;

import java.util.Locale;

/** How an application holds its clients ({@code MOLT_ACCEL_CLIENT_MODE}). */
public enum ClientMode {
    /** One long-lived client (or pool) shared by all calls. */
    SHARED,
    /** A new client, and worker process, for every call, closed after it. */
    PER_REQUEST;

    /**
     * Parses {@code shared} or {@code per_request} (case-insensitive; {@code -} accepted for {@code _}).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ClientMode of(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (v) {
            case "shared" -> SHARED;
            case "per_request" -> PER_REQUEST;
            default -> throw new IllegalArgumentException(
                    "Unknown client mode '" + value + "': expected shared or per_request");
        };
    }
}
