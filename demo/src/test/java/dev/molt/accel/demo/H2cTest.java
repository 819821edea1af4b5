package dev.molt.accel.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * HTTP/2 cleartext beside HTTP/1.1 on the same port: by {@code Upgrade: h2c} (the JDK client) and by
 * prior knowledge (the connection preface straight away, as {@code curl --http2-prior-knowledge} does).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class H2cTest {

    @LocalServerPort
    int port;

    @Test
    void upgradeToH2cServesTheOffloadedEndpoint() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/offload/?user_id=3&limit=2"))
                .timeout(Duration.ofSeconds(30)).GET().build();

        HttpResponse<String> first = h2.send(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = h2.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo(Http.get(port, "/baseline/?user_id=3&limit=2").text()).startsWith("{\"items\":[");
    }

    @Test
    void priorKnowledgeH2cAnswers200() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            writeFrame(out, 0x4, 0, 0, new byte[0]); // empty SETTINGS
            writeFrame(out, 0x1, 0x4 | 0x1, 1, headerBlock("/offload/?user_id=1&limit=1", "127.0.0.1:" + port));
            out.flush();

            DataInputStream in = new DataInputStream(s.getInputStream());
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == 0x4 && (flags & 0x1) == 0) {
                    writeFrame(out, 0x4, 0x1, 0, new byte[0]); // ACK the server's SETTINGS
                    out.flush();
                }
                if (type == 0x7) {
                    throw new AssertionError("GOAWAY from the server");
                }
                if (type == 0x1 && stream == 1) {
                    // :status 200 is entry 8 of the HPACK static table: one byte, 0x88
                    assertThat(payload[firstHeader(payload)] & 0xff).as("first header of the answer (0x88 = :status 200)")
                            .isEqualTo(0x88);
                    return;
                }
            }
        }
    }

    /** Index of the first header field of an HPACK block, after any dynamic table size updates (001xxxxx). */
    private static int firstHeader(byte[] block) {
        int i = 0;
        while ((block[i] & 0xe0) == 0x20) {
            if ((block[i] & 0x1f) == 0x1f) {
                do {
                    i++;
                } while ((block[i] & 0x80) != 0);
            }
            i++;
        }
        return i;
    }

    /** An HPACK block of literal headers without indexing (no Huffman): GET {@code path} over http. */
    private static byte[] headerBlock(String path, String authority) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x82); // :method GET (static 2)
        b.write(0x86); // :scheme http (static 6)
        literal(b, 4, path); // :path
        literal(b, 1, authority); // :authority
        return b.toByteArray();
    }

    private static void literal(ByteArrayOutputStream b, int nameIndex, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        b.write(nameIndex); // 0000 + 4-bit index: literal without indexing, indexed name
        if (v.length < 127) {
            b.write(v.length);
        } else {
            b.write(127);
            int rest = v.length - 127;
            while (rest >= 128) {
                b.write(rest % 128 + 128);
                rest /= 128;
            }
            b.write(rest);
        }
        b.writeBytes(v);
    }

    private static void writeFrame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }
}
