package dev.molt.accel.worker;

import dev.molt.accel.protocol.ExportsManifest;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the served entries from a manifest and the registered exports. Stateless. */
final class Routes {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());

    private Routes() {
    }

    static Map<String, Route> build(ExportsManifest manifest, Map<String, Export> exports,
            boolean manifestIsPromise) {
        Map<String, Route> routes = new LinkedHashMap<>();
        if (manifest != null) {
            List<String> missing = new ArrayList<>();
            for (ExportsManifest.Export m : manifest.exports()) {
                if (!exports.containsKey(m.name())) {
                    missing.add(m.name());
                }
            }
            if (!missing.isEmpty()) {
                if (manifestIsPromise) {
                    throw new IllegalArgumentException(unimplemented(missing));
                }
                LOG.log(Level.INFO, "Not serving what has no implementation: " + unimplemented(missing));
            }
            for (ExportsManifest.Export m : manifest.exports()) {
                Export impl = exports.get(m.name());
                if (impl == null) {
                    continue;
                }
                if ((impl.codecIn() != null && impl.codecIn() != m.codecIn())
                        || (impl.codecOut() != null && impl.codecOut() != m.codecOut())) {
                    LOG.log(Level.WARNING, "Export ''{0}'' is declared {1} but the manifest says {2} -> {3}; "
                            + "serving the manifest''s codecs", m.name(), impl, m.codecIn(), m.codecOut());
                }
                routes.put(m.name(), new Route(m.name(), m.codecIn(), m.codecOut(), impl));
            }
        }
        for (Export e : exports.values()) {
            routes.putIfAbsent(e.name(), new Route(e.name(), e.codecIn(), e.codecOut(), e));
        }
        return Collections.unmodifiableMap(routes);
    }

    /** One line naming the entries (escaped and cut: the names come from a file). */
    private static String unimplemented(List<String> missing) {
        StringBuilder sb = new StringBuilder("the exports manifest lists ")
                .append(missing.size() == 1 ? "an entry" : missing.size() + " entries")
                .append(" this worker does not implement: ");
        int shown = Math.min(missing.size(), 10);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(MoltWorker.printable(missing.get(i), 64));
        }
        if (missing.size() > shown) {
            sb.append(" and ").append(missing.size() - shown).append(" more");
        }
        return sb.toString();
    }

}
