package dev.molt.accel.test.example;

import dev.molt.accel.test.AutoConfigureMoltWorker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/**
 * {@code molt.accel.timeout-scale} multiplies annotation deadlines too: 250 ms x 40 = 10 s, enough
 * for a call of 1 s on a slow machine (the same call times out unscaled, see
 * {@link MockMvcExampleTests#aDeadlineOf250MsStillHoldsWithoutTimeoutScale()}).
 */
@WebMvcTest(controllers = WordsApplication.WordsController.class, properties = "molt.accel.timeout-scale=40")
@AutoConfigureMoltWorker(exports = WordsExports.class)
class TimeoutScaleTests {

    @Autowired
    MockMvcTester mvc;

    @Test
    void aScaledAnnotationDeadlineLetsASlowCallFinish() {
        assertThat(mvc.get().uri("/slow?ms=1000")).hasStatusOk().bodyJson().extractingPath("$.words").isEqualTo(1000);
    }
}
