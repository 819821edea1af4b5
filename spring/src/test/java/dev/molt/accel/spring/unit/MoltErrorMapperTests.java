package dev.molt.accel.spring.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.client.MoltBusyException;
import dev.molt.accel.client.MoltCancelledException;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltProtocolException;
import dev.molt.accel.client.MoltTimeoutException;
import dev.molt.accel.client.MoltWorkerUnavailableException;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.MoltErrorMapper;
import dev.molt.accel.spring.MoltHttpError;
import dev.molt.accel.spring.MoltPayloadValidationException;
import dev.molt.accel.spring.MoltRequestTooLargeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md section 11: statuses, codes, safe details, Retry-After. */
class MoltErrorMapperTests {

    private final MoltErrorMapper generic = new MoltErrorMapper(false, Duration.ofMillis(1500));
    private final MoltErrorMapper exposing = new MoltErrorMapper(true, Duration.ofSeconds(1));

    @Test
    void mapsEveryFailure() {
        assertThat(generic.map(new MoltWorkerUnavailableException("pipe closed at /secret", "e", 1, null), 429))
                .isEqualTo(new MoltHttpError(503, "MoltWorkerUnavailable", "The worker is unavailable; retry later.", 2L));
        assertThat(generic.map(new MoltBusyException("Worker queue full", "e", 1, null), 429))
                .isEqualTo(new MoltHttpError(429, "MoltBusy", "The worker is busy; retry later.", 2L));
        assertThat(generic.map(new MoltBusyException("Worker queue full", "e", 1, null), 503))
                .isEqualTo(new MoltHttpError(503, "MoltBusy", "The worker is busy; retry later.", 2L));
        assertThat(generic.map(new MoltTimeoutException("t", "e", 1, null), 429).status()).isEqualTo(504);
        assertThat(generic.map(new MoltInvalidInputException("bad field x", "e", 1, null), 429))
                .isEqualTo(new MoltHttpError(400, "MoltInvalidInput", "The worker rejected the input.", null));
        assertThat(generic.map(new MoltInternalErrorException("NullPointerException at Foo.java:12", "e", 1, null), 429))
                .isEqualTo(new MoltHttpError(500, "MoltInternalError", "The worker failed to process the request.", null));
        assertThat(generic.map(new MoltCancelledException("c", "e", 1, null), 429).status()).isEqualTo(499);
        assertThat(generic.map(new MoltProtocolException("garbage", "e", 1, null), 429))
                .isEqualTo(new MoltHttpError(502, "MoltProtocolError", "The worker sent an invalid response.", null));
        assertThat(generic.map(new IllegalStateException("not ours"), 429)).isNull();
    }

    @Test
    void applicationMessagesAreShownAndWorkerMessagesOnlyWhenExposed() {
        assertThat(generic.map(new MoltPayloadValidationException("user_id is required"), 429).detail())
                .isEqualTo("user_id is required");
        assertThat(generic.map(new MoltRequestTooLargeException(10, 20), 429))
                .isEqualTo(new MoltHttpError(413, "MoltPayloadTooLarge", "Request of 20 bytes exceeds the limit of 10 bytes", null));
        assertThat(exposing.map(new MoltInternalErrorException("boom in handler", "e", 1, null), 429).detail())
                .isEqualTo("boom in handler");
    }

    @Test
    void findsTheFailureAmongCauses() {
        assertThat(generic.map(new CompletionException(new RuntimeException(new MoltTimeoutException("t", "e", 1, null))),
                429).code()).isEqualTo("MoltTimeout");
    }

    @Test
    void theBodyIsCompactJsonWithEscapes() {
        byte[] body = new MoltHttpError(500, "MoltInternalError", "quote \" backslash \\ newline \n tab \t bell \u0007", null)
                .body();
        assertThat(Payloads.decode(Codec.JSON, body)).isEqualTo(Map.of("error", "MoltInternalError",
                "detail", "quote \" backslash \\ newline \n tab \t bell \u0007"));
    }
}
