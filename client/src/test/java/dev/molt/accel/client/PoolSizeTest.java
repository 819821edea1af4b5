package dev.molt.accel.client;

import static dev.molt.accel.client.TestWorkers.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link MoltClientPool#size()} is the live number of positions, the same as {@code stats().size()}. */
class PoolSizeTest {

    @Test
    void theSizeOfAnElasticPoolFollowsItsGrowth() {
        PoolFeaturesTest.Workers workers = new PoolFeaturesTest.Workers();
        CallOptions hold = CallOptions.builder().timeout(Duration.ofMinutes(5)).build();
        try (MoltClient client = PoolFeaturesTest.builder(workers).poolSize(1).maxPoolSize(3).scaleUpInFlight(1).build()) {
            MoltClientPool pool = (MoltClientPool) client;
            client.start();
            assertThat(pool.size()).isEqualTo(1).isEqualTo(client.stats().size());
            assertThatThrownBy(() -> pool.inFlight(1)).isInstanceOf(IndexOutOfBoundsException.class);
            CompletableFuture<MoltResult> a = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> pool.inFlight(0) == 1);
            CompletableFuture<MoltResult> b = client.callAsync("sleep", map("ms", 60_000, "cooperative", true), hold);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().size() == 2 && client.stats().workers() == 2);
            int grown = client.stats().size();
            assertThat(pool.size()).as("grown, as stats()").isEqualTo(grown).isBetween(2, 3);
            // the grown positions are indexable; both calls are in flight on them
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                int sum = 0;
                for (int i = 0; i < grown; i++) {
                    sum += pool.inFlight(i);
                }
                return sum == 2;
            });
            assertThatThrownBy(() -> pool.inFlight(grown)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("0.." + (grown - 1));
            a.cancel(true);
            b.cancel(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.stats().inFlight() == 0);
        } finally {
            workers.releaseAll();
        }
    }
}
