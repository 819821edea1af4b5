package dev.molt.accel.test.example;


import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The README's WebTestClient example: a whole {@code @SpringBootTest} on a real server (random
 * port), its worker in-process through the property alone ({@code molt.accel.test.in-process}).
 */
@SpringBootTest(classes = WordsApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "molt.accel.test.in-process=true",
            "molt.accel.test.exports=dev.molt.accel.test.example.WordsExports",
        })
@AutoConfigureWebTestClient
class WebTestClientExampleTests {

    @Autowired
    WebTestClient client;

    @Test
    void anOffloadedEndpointOverHttp() {
        client.post().uri("/words").contentType(MediaType.APPLICATION_JSON).bodyValue("{\"text\": \"x y\"}")
                .exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.words").isEqualTo(2);
        client.get().uri("/order?quantity=-1").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.detail").isEqualTo("quantity must be positive, got -1");
        assertThat(ProcessHandle.current().children().count()).as("no worker process").isZero();
    }
}
