package dev.molt.accel.demo;

import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.spring.MoltOffloadContexts;
import dev.molt.accel.spring.MoltPayloadBuilder;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a demo export in-process the way the offloaded twin of an endpoint runs it in the worker:
 * the request is read by the same {@link MoltPayloadBuilder} (so validation and clamping are the
 * same, and so are their 400 answers), then the payload goes through the same contract function
 * the worker's export calls. Failures are thrown as the exceptions the offloaded call would raise,
 * and the starter's error mapping answers them, so both endpoints answer the same bytes.
 */
final class InProcess {

    private InProcess() {
    }

    /**
     * Builds the payload with {@code builder} from {@code arguments} (named as the offloaded method's
     * parameters) and {@code request}, then applies {@code export}.
     *
     * @throws dev.molt.accel.spring.MoltPayloadValidationException when the builder refuses the request
     * @throws MoltInvalidInputException when the contract refuses the payload (the worker would answer
     *     {@code InvalidInput})
     */
    static <T> T run(String entry, MoltPayloadBuilder builder, Map<String, Object> arguments,
            HttpServletRequest request, Function<Object, T> export) {
        Object payload = builder.build(MoltOffloadContexts.of(entry, arguments, request));
        try {
            return export.apply(payload);
        } catch (IllegalArgumentException e) {
            throw new MoltInvalidInputException(e.getMessage(), entry, 0, e);
        }
    }

    /** Arguments by name in declaration order; values may be {@code null}. */
    static Map<String, Object> arguments(Object... namesAndValues) {
        Map<String, Object> m = new LinkedHashMap<>(namesAndValues.length);
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
