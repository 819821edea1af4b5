package dev.molt.accel.spring.internal;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.ServedExports;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the {@code @MoltOffload} methods of one pool against what its worker serves
 * ({@code __exports__}) once the pool's workers started: an entry the worker does not serve, a
 * request codec it does not take or a {@code codecOut} it does not answer with is reported naming
 * the method, the entry and what the worker serves. A worker that cannot say (an older or foreign
 * one answers "Unknown entry") is not checked. Stateless; runs on a start-up thread.
 */
final class ExportsCheck {

    private static final Logger log = LoggerFactory.getLogger(ExportsCheck.class);
    /** Longest list of served exports quoted in a message. */
    private static final int MAX_DESCRIBED = 2000;

    private ExportsCheck() {
    }

    /**
     * @param failFast whether a problem fails the start ({@link MoltOffloadConfigurationException})
     *     rather than being logged at WARN
     */
    static void check(String pool, MoltClient client, List<OffloadPlan> plans, Duration timeout, boolean failFast) {
        if (plans.isEmpty()) {
            return;
        }
        Optional<ServedExports> served;
        try {
            served = client.exports(timeout);
        } catch (MoltAccelException e) {
            log.warn("Could not ask the worker of pool '{}' for its exports ({}); @MoltOffload entries not checked",
                    pool, e.getMessage());
            return;
        }
        if (served.isEmpty()) {
            log.debug("The worker of pool '{}' cannot list its exports; @MoltOffload entries not checked", pool);
            return;
        }
        List<String> problems = new ArrayList<>();
        for (OffloadPlan plan : plans) {
            String problem = problem(plan, served.get());
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (problems.isEmpty()) {
            log.debug("The {} @MoltOffload methods of pool '{}' match its worker's exports", plans.size(), pool);
            return;
        }
        String serves = served.get().describe();
        if (serves.length() > MAX_DESCRIBED) {
            serves = serves.substring(0, MAX_DESCRIBED) + "...";
        }
        String message = String.join("; ", problems) + ". The worker of pool '" + pool + "' serves: " + serves;
        if (failFast) {
            throw new MoltOffloadConfigurationException(message, null);
        }
        log.warn("{} (fail-fast is off: the application starts, these endpoints answer 400)", message);
    }

    private static String problem(OffloadPlan plan, ServedExports served) {
        String where = "@MoltOffload on " + plan.method().getDeclaringClass().getName() + "." + plan.method().getName();
        Optional<ServedExports.Entry> found = served.find(plan.entry());
        if (found.isEmpty()) {
            return where + ": entry '" + plan.entry() + "' is not served";
        }
        ServedExports.Entry e = found.get();
        if (!e.accepts(plan.codec())) {
            return where + ": entry '" + plan.entry() + "' is called with codec " + plan.codec().id()
                    + " but takes " + e.codecIn().id();
        }
        Codec out = e.codecIn() == null ? plan.codec() : e.codecOut() == null ? e.codecIn() : e.codecOut();
        if (plan.codecOut() != null && plan.codecOut() != out) {
            return where + ": entry '" + plan.entry() + "' expects results in codec " + plan.codecOut().id()
                    + " (codecOut) but answers " + out.id();
        }
        return null;
    }
}
