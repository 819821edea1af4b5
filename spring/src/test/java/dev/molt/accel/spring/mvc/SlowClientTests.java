package dev.molt.accel.spring.mvc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.spring.testsupport.RawHttp;
import dev.molt.accel.spring.testsupport.TestWorkers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A client that starts a body and then stalls is cut off by {@code server.tomcat.connection-timeout}
 * (1 s here), which Tomcat also applies to every body read: the request thread is freed instead of
 * waiting as long as the client likes.
 */
@SpringBootTest(classes = {MvcTestApp.class, HostileInputMvcTests.HostileController.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.tomcat.connection-timeout=1s")
@DirtiesContext
class SlowClientTests {

    @DynamicPropertySource
    static void worker(DynamicPropertyRegistry registry) {
        TestWorkers.register(registry, TestWorkers.command());
    }

    @LocalServerPort
    int port;

    @Test
    void aStalledBodyIsCutOffByTheConnectionTimeout() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            long t0 = System.nanoTime();
            out.write(("POST /hostile/body HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n9\r\n{\"name\":\"\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // no more bytes: the server must give up on its own
            String outcome;
            InputStream in = socket.getInputStream();
            try {
                RawHttp.Answer a = RawHttp.readAnswer(in, t0);
                outcome = "answered " + a.status();
                assertThat(a.status()).as(a.body()).isBetween(400, 599);
            } catch (IOException closed) {
                outcome = "closed (" + closed.getMessage() + ")";
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("[hostile] MVC stalled chunked body, connection-timeout 1 s: %s after %d ms%n", outcome,
                    millis);
            assertThat(millis).as("cut off by the 1 s timeout, not the test's 30 s").isBetween(900L, 15_000L);
        }
    }
}
