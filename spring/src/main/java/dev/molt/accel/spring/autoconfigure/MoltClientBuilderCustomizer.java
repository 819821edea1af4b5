package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.client.MoltClientBuilder;

/**
 * Customizes the builder of the auto-configured clients (the shared client and the per-request
 * clients) after the properties were applied. Beans of this type are applied in order.
 */
@FunctionalInterface
public interface MoltClientBuilderCustomizer {

    void customize(MoltClientBuilder builder);
}
