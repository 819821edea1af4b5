package dev.molt.accel.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.validation.FieldError;

/** {@code worker.main-class}: how it inherits between pools and how a bad value fails the start. */
class MainClassPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MoltClientBuilderAutoConfiguration.class, MoltAccelAutoConfiguration.class))
            .withPropertyValues("molt.accel.eager-start=false");

    @Test
    void aPoolsOwnCommandOrMainClassWinsOverTheDefaultPoolsInEitherForm() {
        MoltAccelProperties p = new MoltAccelProperties();
        p.getWorker().setMainClass("com.example.AppWorker");
        PoolProperties py = new PoolProperties();
        py.getWorker().setCommand(List.of("python3", "worker.py"));
        PoolProperties lean = new PoolProperties();
        lean.getWorker().setMainClass("com.example.LeanWorker");
        PoolProperties plain = new PoolProperties();
        p.getWorkers().put("py", py);
        p.getWorkers().put("lean", lean);
        p.getWorkers().put("plain", plain);

        assertThat(p.pool("default").getWorker().effectiveMainClass()).isEqualTo("com.example.AppWorker");
        assertThat(p.pool("py").getWorker().effectiveMainClass()).isNull();
        assertThat(p.pool("py").getWorker().effectiveCommand()).containsExactly("python3", "worker.py");
        assertThat(p.pool("lean").getWorker().effectiveMainClass()).isEqualTo("com.example.LeanWorker");
        assertThat(p.pool("plain").getWorker().effectiveMainClass()).isEqualTo("com.example.AppWorker");

        p.getWorker().setMainClass(null);
        p.getWorker().setCommandLine("molt-worker --stdio");
        assertThat(p.pool("lean").getWorker().effectiveCommand()).isEmpty();
        assertThat(p.pool("lean").getWorker().effectiveMainClass()).isEqualTo("com.example.LeanWorker");
        assertThat(p.pool("plain").getWorker().effectiveCommand()).containsExactly("molt-worker", "--stdio");
    }

    @Test
    void aBadMainClassFailsTheStartNamingThePropertyAndACommandWinsOverIt() {
        assertInvalid("molt.accel.worker.main-class=com.example.", "worker.mainClass", "fully qualified class name");
        assertInvalid("molt.accel.workers.own.worker.main-class=com example.Worker", "workers[own].worker.mainClass",
                "fully qualified class name");
        assertInvalid("molt.accel.workers.own.worker.main-class=" + "a".repeat(600), "workers[own].worker.mainClass",
                "at most 512 characters");
        // a command, MOLT_WORKER_CMD's property included, wins over a main class: no conflict
        runner.withPropertyValues("molt.accel.worker.main-class=com.example.AppWorker",
                "molt.accel.worker.command-line=molt-worker --stdio").run(context -> assertThat(context).hasNotFailed());
    }

    private void assertInvalid(String property, String field, String reason) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).as(property).hasFailed();
            Throwable t = context.getStartupFailure();
            while (t != null && !(t instanceof BindValidationException)) {
                t = t.getCause();
            }
            assertThat(t).as(property).isInstanceOf(BindValidationException.class);
            assertThat(((BindValidationException) t).getValidationErrors().getAllErrors()).as(property).singleElement()
                    .satisfies(error -> {
                        assertThat(((FieldError) error).getField()).isEqualTo(field);
                        assertThat(error.getDefaultMessage()).contains(reason);
                    });
        });
    }
}
