package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    record Item(long id, String title, double score, boolean unread) {
    }

    @ParameterizedTest
    @EnumSource(value = Codec.class, names = {"MSGPACK", "JSON"})
    void mapsAndRecordsRoundTrip(Codec codec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user_id", 7);
        m.put("q", null);
        m.put("tags", List.of("a", "é"));
        byte[] bytes = Payloads.encode(codec, m);
        assertThat(Payloads.decode(codec, bytes)).isEqualTo(m);

        Item item = new Item(5, "Item 5", 0.5, true);
        assertThat(Payloads.<Item>decode(codec, Payloads.encode(codec, item), Item.class)).isEqualTo(item);
        assertThat(Payloads.<Item>convert(Payloads.decode(codec, Payloads.encode(codec, item)), Item.class)).isEqualTo(item);
    }

    @Test
    void msgpackOfTheReferenceVectorDecodes() {
        byte[] payload = SharedVectors.hex("85a7757365725f696401a171c0a6737461747573c0a56c696d697432a6637572736f72c0");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("user_id", 1);
        expected.put("q", null);
        expected.put("status", null);
        expected.put("limit", 50);
        expected.put("cursor", null);
        assertThat(Payloads.decode(Codec.MSGPACK, payload)).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(value = Codec.class, names = {"MSGPACK", "JSON"})
    void trailingBytesAreRejected(Codec codec) {
        byte[] one = Payloads.encode(codec, Map.of("a", 1));
        byte[] two = new byte[one.length * 2];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        assertThatThrownBy(() -> Payloads.decode(codec, two)).isInstanceOf(PayloadException.class);
    }

    @Test
    void deepNestingIsRejectedOnBothCodecs() {
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        for (int i = 0; i < 10_000; i++) {
            deep.write(0x91); // fixarray of one element
        }
        deep.write(0x01);
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, deep.toByteArray()))
                .isInstanceOf(PayloadException.class).hasMessageContaining("nesting");
        String json = "[".repeat(10_000) + "]".repeat(10_000);
        assertThatThrownBy(() -> Payloads.decode(Codec.JSON, json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PayloadException.class);
    }

    @Test
    void truncatedAndGarbagePayloadsAreRejected() {
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, new byte[] {(byte) 0x85, (byte) 0xa1}))
                .isInstanceOf(PayloadException.class);
        assertThatThrownBy(() -> Payloads.decode(Codec.MSGPACK, new byte[] {(byte) 0xdf, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isInstanceOf(PayloadException.class);
        assertThatThrownBy(() -> Payloads.decode(Codec.JSON, "{\"a\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PayloadException.class);
        assertThatThrownBy(() -> Payloads.decode(Codec.JSON, new byte[0])).isInstanceOf(PayloadException.class);
    }

    @Test
    void opaqueCodecsPassBytesThrough() {
        byte[] b = {1, 2, 3};
        assertThat(Payloads.encode(Codec.RAW, b)).isSameAs(b);
        assertThat((Object) Payloads.decode(Codec.ARROW_IPC, b)).isSameAs(b);
        assertThatThrownBy(() -> Payloads.encode(Codec.RAW, "text")).isInstanceOf(PayloadException.class);
    }
}
