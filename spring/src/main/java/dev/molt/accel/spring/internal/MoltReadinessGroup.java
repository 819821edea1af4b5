package dev.molt.accel.spring.internal;

import java.util.List;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

/**
 * Adds the {@code molt} indicator to the {@code readiness} health group (the probe groups Spring
 * Boot creates with {@code management.endpoint.health.probes.enabled}, on by default on Kubernetes)
 * when the application did not choose that group's members itself
 * ({@code management.endpoint.health.group.readiness.include}). A dead worker then takes the
 * instance out of traffic without failing {@code liveness}, which does not include {@code molt}: a
 * restart of the whole application would not bring a worker back sooner than the starter does.
 * Stateless; the groups it returns delegate to the ones it was given.
 */
public final class MoltReadinessGroup implements HealthEndpointGroupsPostProcessor {

    static final String READINESS = "readiness";
    static final String MOLT = "molt";

    private final boolean enabled;

    /** @param enabled whether to add {@code molt} (false when the application lists the members) */
    public MoltReadinessGroup(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
        HealthEndpointGroup readiness = enabled ? groups.get(READINESS) : null;
        if (readiness == null || readiness.isMember(MOLT)) {
            return groups;
        }
        return new Groups(groups, new WithMolt(readiness));
    }

    private record WithMolt(HealthEndpointGroup group) implements HealthEndpointGroup {
        @Override
        public boolean isMember(String name) {
            // the components of a composite are asked by path: molt/default, molt/<pool>
            return MOLT.equals(name) || (name.startsWith(MOLT) && name.length() > MOLT.length()
                    && name.charAt(MOLT.length()) == '/') || group.isMember(name);
        }

        @Override
        public boolean showComponents(SecurityContext securityContext) {
            return group.showComponents(securityContext);
        }

        @Override
        public boolean showDetails(SecurityContext securityContext) {
            return group.showDetails(securityContext);
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return group.getStatusAggregator();
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return group.getHttpCodeStatusMapper();
        }

        @Override
        public AdditionalHealthEndpointPath getAdditionalPath() {
            return group.getAdditionalPath();
        }
    }

    /** The given groups with readiness replaced; additional paths (such as {@code /readyz}) kept. */
    private record Groups(HealthEndpointGroups groups, HealthEndpointGroup readiness)
            implements HealthEndpointGroups, AdditionalPathsMapper {
        @Override
        public HealthEndpointGroup getPrimary() {
            return groups.getPrimary();
        }

        @Override
        public Set<String> getNames() {
            return groups.getNames();
        }

        @Override
        public HealthEndpointGroup get(String name) {
            return READINESS.equals(name) ? readiness : groups.get(name);
        }

        @Override
        public List<String> getAdditionalPaths(EndpointId endpointId, WebServerNamespace webServerNamespace) {
            return groups instanceof AdditionalPathsMapper m ? m.getAdditionalPaths(endpointId, webServerNamespace)
                    : null;
        }
    }
}
