package dev.molt.accel.spring.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.boot.origin.SystemEnvironmentOrigin;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;

/**
 * Makes the client variables of PROTOCOL.md section 10 set the matching {@code molt.accel.*}
 * properties, with the precedence of the system environment: they override
 * {@code application.properties}; command-line arguments and system properties override them. A bad
 * value fails binding with the variable named as the value's origin.
 *
 * <table>
 * <caption>Variables and properties</caption>
 * <tr><th>variable</th><th>property</th></tr>
 * <tr><td>{@code MOLT_WORKER_CMD}</td><td>{@code molt.accel.worker.command-line}</td></tr>
 * <tr><td>{@code MOLT_WORKER_WIRE}, else {@code MOLT_WIRE}</td><td>{@code molt.accel.worker.wire}</td></tr>
 * <tr><td>{@code MOLT_ACCEL_CLIENT_MODE}</td><td>{@code molt.accel.client-mode}</td></tr>
 * <tr><td>{@code MOLT_ACCEL_POOL_SIZE}</td><td>{@code molt.accel.pool-size}</td></tr>
 * <tr><td>{@code MOLT_ACCEL_RETRY_ON_TIMEOUT}</td><td>{@code molt.accel.retry.on-timeout}</td></tr>
 * <tr><td>{@code MOLT_ACCEL_RETRY_ON_BUSY}</td><td>{@code molt.accel.retry.on-busy}</td></tr>
 * <tr><td>{@code MOLT_ACCEL_RETRY_BACKOFF_MS}</td><td>{@code molt.accel.retry.backoff}</td></tr>
 * <tr><td>{@code MOLT_ACCEL_RETRY_BACKOFF_MAX_MS}</td><td>{@code molt.accel.retry.backoff-max}</td></tr>
 * </table>
 */
public class MoltEnvironmentPostProcessor implements EnvironmentPostProcessor {

    /** Name of the property source holding the mapped variables. */
    public static final String PROPERTY_SOURCE_NAME = "moltAccelEnvironment";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        apply(environment, environment.getSystemEnvironment());
    }

    /** Adds the properties mapped from {@code env} to {@code environment}, after the system environment. */
    public static void apply(ConfigurableEnvironment environment, Map<String, ?> env) {
        Map<String, Object> properties = propertiesFor(env);
        if (properties.isEmpty()) {
            return;
        }
        MutablePropertySources sources = environment.getPropertySources();
        sources.remove(PROPERTY_SOURCE_NAME);
        OriginTrackedMapPropertySource source = new OriginTrackedMapPropertySource(PROPERTY_SOURCE_NAME, properties, true);
        if (sources.contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
            sources.addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
        } else {
            sources.addLast(source);
        }
    }

    /** The {@code molt.accel.*} properties that the variables in {@code env} set. */
    public static Map<String, Object> propertiesFor(Map<String, ?> env) {
        Map<String, Object> p = new LinkedHashMap<>();
        put(p, env, "MOLT_WORKER_CMD", "molt.accel.worker.command-line", "");
        if (!put(p, env, "MOLT_WORKER_WIRE", "molt.accel.worker.wire", "")) {
            put(p, env, "MOLT_WIRE", "molt.accel.worker.wire", "");
        }
        put(p, env, "MOLT_ACCEL_CLIENT_MODE", "molt.accel.client-mode", "");
        put(p, env, "MOLT_ACCEL_POOL_SIZE", "molt.accel.pool-size", "");
        put(p, env, "MOLT_ACCEL_RETRY_ON_TIMEOUT", "molt.accel.retry.on-timeout", "");
        put(p, env, "MOLT_ACCEL_RETRY_ON_BUSY", "molt.accel.retry.on-busy", "");
        put(p, env, "MOLT_ACCEL_RETRY_BACKOFF_MS", "molt.accel.retry.backoff", "ms");
        put(p, env, "MOLT_ACCEL_RETRY_BACKOFF_MAX_MS", "molt.accel.retry.backoff-max", "ms");
        return p;
    }

    private static boolean put(Map<String, Object> p, Map<String, ?> env, String variable, String property,
            String unit) {
        Object raw = env.get(variable);
        if (raw == null || raw.toString().isBlank()) {
            return false;
        }
        String value = raw.toString().trim();
        if (!unit.isEmpty() && value.chars().allMatch(Character::isDigit)) {
            value = value + unit;
        }
        p.put(property, OriginTrackedValue.of(value, new SystemEnvironmentOrigin(variable)));
        return true;
    }
}
