package dev.molt.accel.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With the defaults (10 MB {@code max-request-size}, WebFlux's 256 KB codec buffer) the codec limit
 * refuses a large body first: an offloaded endpoint still answers it with its own error body.
 */
@SpringBootTest(classes = {WebFluxTestApp.class, HostileInputWebFluxTests.HostileController.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=reactive")
@DirtiesContext
class WebFluxCodecLimitTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    @Test
    void aBodyOverTheCodecLimitIs413WithTheErrorBody() throws Exception {
        RawHttp.Answer a = RawHttp.chunkedPost(port, "/hostile-flux/body", "application/json", "{\"name\":\"",
                20_000_000L, (byte) 'x', 30_000);
        System.out.printf("[hostile] WebFlux defaults, chunked 20 MB body: %d in %d ms, %.1f MB sent%n", a.status(),
                a.millis(), a.bytesSent() / 1e6);
        assertThat(a.status()).as(a.body()).isEqualTo(413);
        assertThat(new ObjectMapper().readValue(a.body(), Map.class))
                .isEqualTo(Map.of("error", "MoltPayloadTooLarge", "detail", "Request body exceeds the limit."));
        assertThat(a.millis()).isLessThan(10_000);
    }
}
