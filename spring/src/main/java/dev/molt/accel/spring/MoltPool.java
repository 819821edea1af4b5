package dev.molt.accel.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Registers a {@link dev.molt.accel.client.MoltClient} bean built by the application as the
 * worker pool {@link #value()}, selected with {@code @MoltOffload(worker = "...")} like a pool of
 * {@code molt.accel.workers.<name>.*}: it starts with the application (that pool's, else the
 * default pool's {@code eager-start}), has its component under the {@code molt} health indicator
 * and its {@code worker} tag on the gauges. Declare it with {@code @Bean(defaultCandidate = false)}
 * so that it does not replace the default pool nor make {@code MoltClient} injection ambiguous;
 * build it with {@code MoltClientBuilderFactory.newBuilder(name)} so that its calls are also
 * metered and tracked by health. The context closes it (it is a bean); a bean registered under a
 * name that {@code molt.accel.workers} declares too wins over the properties' pool.
 *
 * <pre>{@code
 * @Bean(defaultCandidate = false)
 * @MoltPool("reports")
 * MoltClient reportsPool(MoltClientBuilderFactory builders) {
 *     return builders.newBuilder("reports").javaWorker("com.example.ReportsWorker").build();
 * }
 * }</pre>
 *
 * <p>Also a qualifier: {@code @MoltPool("reports") MoltClient reports} injects that bean.
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface MoltPool {

    /** The pool name: lower-case letters, digits and '-', not {@code default}. */
    String value();
}
