package dev.molt.accel.test;

import dev.molt.accel.spring.autoconfigure.MoltAccelAutoConfiguration;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderAutoConfiguration;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.PropertyMapping;

/**
 * Runs a test's offloaded endpoints on an in-process worker ({@link MoltInProcessWorker}) instead
 * of worker processes: every pool of the starter is served in the test's JVM by the Java worker
 * runtime with the given exports. Works with {@code @SpringBootTest} and with slices such as
 * {@code @WebMvcTest} and {@code @WebFluxTest} (it imports the starter's auto-configuration, which
 * slices leave out). Same as setting {@code molt.accel.test.in-process=true} (and
 * {@code molt.accel.test.exports}) in a {@code @SpringBootTest}.
 *
 * <p>The exports: the classes of {@link #exports()}, then every {@link MoltInProcessExports} bean of
 * the context; with neither, the bundled worker's exports (the demo exports).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration({MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class,
        MoltInProcessWorkerAutoConfiguration.class})
@PropertyMapping("molt.accel.test")
public @interface AutoConfigureMoltWorker {

    /** Whether the in-process worker is used ({@code molt.accel.test.in-process}). */
    @PropertyMapping("in-process")
    boolean inProcess() default true;

    /**
     * Classes whose exports the worker serves ({@code molt.accel.test.exports}), each one with a
     * {@code public static void configure(MoltWorker.Builder)} method (what the worker's
     * {@code main} passes to {@code MoltWorker.runAndExit}) or implementing
     * {@link MoltInProcessExports}.
     */
    Class<?>[] exports() default {};
}
