package dev.molt.accel.spring.autoconfigure;

import dev.molt.accel.spring.MoltOffloadConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a {@code @MoltOffload} method that cannot be offloaded as declared. */
public class MoltOffloadConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<MoltOffloadConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MoltOffloadConfigurationException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Fix the @MoltOffload annotation or the method it is on; the options are described in the "
                        + "dev.molt.accel.spring.MoltOffload Javadoc and the starter's README.",
                cause);
    }
}
