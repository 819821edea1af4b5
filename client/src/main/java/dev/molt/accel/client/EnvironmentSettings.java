package dev.molt.accel.client;

import dev.molt.accel.protocol.Wire;
import java.util.Locale;
import java.util.Map;

/**
 * The client variables of PROTOCOL.md section 10, parsed and validated.
 *
 * @param command {@code MOLT_WORKER_CMD}, or {@code null}
 * @param wire {@code MOLT_WORKER_WIRE}, else {@code MOLT_WIRE}, else msgpack
 * @param mode {@code MOLT_ACCEL_CLIENT_MODE}, shared by default
 * @param poolSize {@code MOLT_ACCEL_POOL_SIZE}, 1 by default
 * @param retryOnTimeout {@code MOLT_ACCEL_RETRY_ON_TIMEOUT}
 * @param retryOnBusy {@code MOLT_ACCEL_RETRY_ON_BUSY}
 * @param retryBackoffMs {@code MOLT_ACCEL_RETRY_BACKOFF_MS}, or -1 when unset
 * @param retryBackoffMaxMs {@code MOLT_ACCEL_RETRY_BACKOFF_MAX_MS}, or -1 when unset
 */
public record EnvironmentSettings(String command, Wire wire, ClientMode mode, int poolSize, boolean retryOnTimeout,
        boolean retryOnBusy, long retryBackoffMs, long retryBackoffMaxMs) {

    /**
     * Parses the variables from {@code env}.
     *
     * @throws IllegalArgumentException naming the variable whose value is invalid
     */
    public static EnvironmentSettings parse(Map<String, String> env) {
        String command = blankToNull(env.get("MOLT_WORKER_CMD"));
        String wireName = blankToNull(env.get("MOLT_WORKER_WIRE"));
        String wireVar = "MOLT_WORKER_WIRE";
        if (wireName == null) {
            wireName = blankToNull(env.get("MOLT_WIRE"));
            wireVar = "MOLT_WIRE";
        }
        Wire wire = Wire.MSGPACK;
        if (wireName != null) {
            try {
                wire = Wire.of(wireName);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(wireVar + ": " + e.getMessage(), e);
            }
        }
        ClientMode mode = ClientMode.SHARED;
        String modeName = blankToNull(env.get("MOLT_ACCEL_CLIENT_MODE"));
        if (modeName != null) {
            try {
                mode = ClientMode.of(modeName);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("MOLT_ACCEL_CLIENT_MODE: " + e.getMessage(), e);
            }
        }
        int poolSize = (int) integer(env, "MOLT_ACCEL_POOL_SIZE", 1, 1, 1024);
        return new EnvironmentSettings(command, wire, mode, poolSize,
                bool(env, "MOLT_ACCEL_RETRY_ON_TIMEOUT"), bool(env, "MOLT_ACCEL_RETRY_ON_BUSY"),
                integer(env, "MOLT_ACCEL_RETRY_BACKOFF_MS", -1, 0, Integer.MAX_VALUE),
                integer(env, "MOLT_ACCEL_RETRY_BACKOFF_MAX_MS", -1, 0, Integer.MAX_VALUE));
    }

    /** Sets the retry options that the environment names. */
    public CallOptions.Builder applyTo(CallOptions.Builder options) {
        options.retryOnTimeout(retryOnTimeout).retryOnBusy(retryOnBusy);
        CallOptions current = options.build();
        long backoff = retryBackoffMs >= 0 ? retryBackoffMs : current.retryBackoff().toMillis();
        long max = retryBackoffMaxMs >= 0 ? retryBackoffMaxMs : Math.max(backoff, current.retryBackoffMax().toMillis());
        if (max < backoff) {
            throw new IllegalArgumentException("MOLT_ACCEL_RETRY_BACKOFF_MAX_MS (" + max
                    + ") is less than MOLT_ACCEL_RETRY_BACKOFF_MS (" + backoff + ")");
        }
        return options.retryBackoffMs(backoff).retryBackoffMaxMs(max);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static boolean bool(Map<String, String> env, String name) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException(name + ": expected true/false or 1/0, got '" + v + "'");
        };
    }

    private static long integer(Map<String, String> env, String name, long dflt, long min, long max) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, got '" + v + "'", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + ": " + n + " is outside " + min + ".." + max);
        }
        return n;
    }
}
