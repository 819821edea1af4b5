package dev.molt.accel.spring.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.spring.internal.MoltReadinessGroup;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.SimpleHttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.SimpleStatusAggregator;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

/** The readiness group gains {@code molt} unless the application chose its members; liveness never does. */
class MoltReadinessGroupTests {

    record Members(Set<String> names) implements HealthEndpointGroup {
        @Override
        public boolean isMember(String name) {
            return names.contains(name);
        }

        @Override
        public boolean showComponents(SecurityContext securityContext) {
            return false;
        }

        @Override
        public boolean showDetails(SecurityContext securityContext) {
            return false;
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return new SimpleStatusAggregator();
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return new SimpleHttpCodeStatusMapper();
        }

        @Override
        public AdditionalHealthEndpointPath getAdditionalPath() {
            return null;
        }
    }

    private static HealthEndpointGroups probes() {
        return HealthEndpointGroups.of(new Members(Set.of("molt", "diskSpace")), Map.of(
                "liveness", new Members(Set.of("livenessState")),
                "readiness", new Members(Set.of("readinessState"))));
    }

    @Test
    void readinessGainsMoltLivenessDoesNot() {
        HealthEndpointGroups groups = new MoltReadinessGroup(true).postProcessHealthEndpointGroups(probes());
        assertThat(groups.get("readiness").isMember("molt")).isTrue();
        assertThat(groups.get("readiness").isMember("molt/default")).as("a pool's component").isTrue();
        assertThat(groups.get("readiness").isMember("molt/py")).isTrue();
        assertThat(groups.get("readiness").isMember("moltx")).isFalse();
        assertThat(groups.get("liveness").isMember("molt/default")).isFalse();
        assertThat(groups.get("readiness").isMember("readinessState")).isTrue();
        assertThat(groups.get("liveness").isMember("molt")).isFalse();
        assertThat(groups.getNames()).containsExactlyInAnyOrder("liveness", "readiness");
        assertThat(groups.getPrimary().isMember("molt")).isTrue();
    }

    @Test
    void membersChosenByTheApplicationAreLeftAlone() {
        HealthEndpointGroups original = probes();
        assertThat(new MoltReadinessGroup(false).postProcessHealthEndpointGroups(original)).isSameAs(original);
        HealthEndpointGroups noProbes = HealthEndpointGroups.of(new Members(Set.of("molt")), Map.of());
        assertThat(new MoltReadinessGroup(true).postProcessHealthEndpointGroups(noProbes)).isSameAs(noProbes);
    }
}
