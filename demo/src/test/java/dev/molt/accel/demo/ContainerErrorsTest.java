package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Requests that Tomcat refuses before the application sees them (here a request line over the
 * default 8 KB header limit) are answered with the same {@code {"error","detail"}} JSON body as every
 * other refusal, not Tomcat's HTML page.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ContainerErrorsTest {

    @LocalServerPort
    int port;

    @Test
    void anOversizedRequestLineIsAJson400() {
        Http.Answer answer = Http.get(port, "/offload/?user_id=" + "1".repeat(20_000));
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/json");
        assertThat(answer.text()).isEqualTo(
                "{\"error\":\"MoltInvalidInput\",\"detail\":\"The request line or headers could not be read.\"}");
    }

    @Test
    void answersOfTheApplicationAreLeftAlone() {
        Http.Answer answer = Http.get(port, "/offload/?user_id=abc");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.text()).startsWith("{\"error\":\"MoltInvalidInput\"").doesNotContain("request line");
        assertThat(Http.get(port, "/no/such/page").status()).isEqualTo(404);
    }
}
