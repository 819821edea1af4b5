package dev.molt.accel.test;

import dev.molt.accel.client.MoltClient;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderAutoConfiguration;
import dev.molt.accel.spring.autoconfigure.MoltClientBuilderCustomizer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

/**
 * With {@code molt.accel.test.in-process=true} (set by {@link AutoConfigureMoltWorker}): a
 * {@link MoltClientBuilderCustomizer}, applied after the application's own, that makes every
 * auto-configured client's workers in-process workers ({@link MoltInProcessWorker}) serving the
 * classes of {@code molt.accel.test.exports} and the {@link MoltInProcessExports} beans.
 */
@AutoConfiguration(before = MoltClientBuilderAutoConfiguration.class)
@ConditionalOnClass(MoltClient.class)
@ConditionalOnBooleanProperty("molt.accel.test.in-process")
public final class MoltInProcessWorkerAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(MoltInProcessWorkerAutoConfiguration.class);

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    MoltClientBuilderCustomizer moltInProcessWorkerCustomizer(Environment environment,
            ObjectProvider<MoltInProcessExports> beans) {
        List<MoltInProcessExports> exports = new ArrayList<>();
        List<Class<?>> classes = Binder.get(environment)
                .bind("molt.accel.test.exports", Bindable.listOf(Class.class)).orElse(List.of())
                .stream().<Class<?>>map(c -> c).toList();
        for (Class<?> c : classes) {
            exports.add(MoltInProcessWorker.exportsOf(c));
        }
        beans.orderedStream().forEach(exports::add);
        if (exports.isEmpty()) {
            exports.add(MoltInProcessWorker.bundledExports());
        }
        log.info("Molt workers run in-process ({} export source(s)): no worker process is started", exports.size());
        List<MoltInProcessExports> all = List.copyOf(exports);
        return builder -> MoltInProcessWorker.configure(builder, all);
    }
}
