package dev.molt.accel.test;

import dev.molt.accel.worker.MoltWorker;

/**
 * Registers the exports an in-process worker serves: the same {@code configure} an application's
 * worker {@code main} passes to {@link MoltWorker#runAndExit}. Declare a bean of this type in a
 * test's context (or name a class in {@link AutoConfigureMoltWorker#exports()}) to choose them.
 *
 * <p>Called once per in-process worker, on a test thread; implementations must be thread-safe if
 * they keep state.
 */
@FunctionalInterface
public interface MoltInProcessExports {

    /** Registers exports (and a manifest, if wanted) on {@code builder}. */
    void configure(MoltWorker.Builder builder);
}
