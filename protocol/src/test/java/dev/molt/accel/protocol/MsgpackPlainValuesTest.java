package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** The direct msgpack encoding of plain values: Jackson's bytes, without Jackson, and the same limits. */
class MsgpackPlainValuesTest {

    private static final ObjectMapper JACKSON = new ObjectMapper(new MessagePackFactory());

    @Test
    void plainValuesEncodeToJacksonsBytes() throws Exception {
        Random random = new Random(20261201);
        for (int i = 0; i < 2_000; i++) {
            Object value = randomValue(random, 0);
            byte[] direct = MsgpackPlainValues.encode(value, Integer.MAX_VALUE - 8);
            assertThat(direct).as("plain: %s", value).isNotNull();
            assertThat(direct).as("bytes of %s", value).isEqualTo(JACKSON.writeValueAsBytes(value));
        }
    }

    @Test
    void edgeNumbersAndStrings() throws Exception {
        List<Object> values = List.of(0, -1, -32, -33, 127, 128, 255, 256, 65_535, 65_536, Integer.MIN_VALUE,
                Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, (short) -129, (byte) -128, 0.0, -0.0, Double.NaN,
                Double.POSITIVE_INFINITY, 1.5f, "", "\u00e9\u4e2d\ud83d\ude00", "x".repeat(31), "x".repeat(32),
                "x".repeat(255), "x".repeat(256), "x".repeat(70_000), new byte[0], new byte[300], true, false);
        for (Object v : values) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("v", v);
            m.put("n", null);
            assertThat(MsgpackPlainValues.encode(m, Integer.MAX_VALUE - 8)).as("%s", v)
                    .isEqualTo(JACKSON.writeValueAsBytes(m));
        }
    }

    record Point(int x, int y) {
    }

    @Test
    void otherValuesAreLeftToJackson() {
        assertThat(MsgpackPlainValues.encode(Map.of("p", new Point(1, 2)), 1000)).isNull();
        assertThat(MsgpackPlainValues.encode(Map.of("d", new BigDecimal("1.5")), 1000)).isNull();
        assertThat(MsgpackPlainValues.encode(Map.of(1, "int key"), 1000)).isNull();
        assertThat(MsgpackPlainValues.encode(new Point(1, 2), 1000)).isNull();
        Object deep = "leaf";
        for (int i = 0; i < 40; i++) {
            deep = List.of(deep);
        }
        assertThat(MsgpackPlainValues.encode(deep, 1000)).isNull();
        // and through Payloads those go to Jackson, with the same answer as before
        assertThat(Payloads.decode(Codec.MSGPACK, Payloads.encode(Codec.MSGPACK, Map.of("p", new Point(1, 2)), 1000)))
                .isEqualTo(Map.of("p", Map.of("x", 1, "y", 2)));
    }

    @Test
    void theLimitHoldsBeforeAHugeValueIsCopied() {
        String huge = "x".repeat(50_000_000);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> MsgpackPlainValues.encode(Map.of("s", huge), 1024))
                .isInstanceOf(PayloadTooLargeException.class);
        assertThatThrownBy(() -> MsgpackPlainValues.encode(Map.of("b", new byte[50_000_000]), 1024))
                .isInstanceOf(PayloadTooLargeException.class);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            many.add("item" + i);
        }
        assertThatThrownBy(() -> Payloads.encode(Codec.MSGPACK, Map.of("many", many), 10_000))
                .isInstanceOf(PayloadTooLargeException.class);
        // milliseconds when the limit stops it early; seconds would mean the whole value was encoded
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        byte[] exact = MsgpackPlainValues.encode("x".repeat(100), 102);
        assertThat(exact).hasSize(102);
        assertThatThrownBy(() -> MsgpackPlainValues.encode("x".repeat(100), 101))
                .isInstanceOf(PayloadTooLargeException.class);
    }

    private static Object randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 4 ? 9 : 12);
        return switch (kind) {
            case 0 -> null;
            case 1 -> r.nextBoolean();
            case 2 -> (r.nextInt(Integer.MAX_VALUE) >> r.nextInt(31)) * (r.nextBoolean() ? 1 : -1);
            case 3 -> r.nextLong() >> r.nextInt(64);
            case 4 -> r.nextDouble() * Math.pow(10, r.nextInt(40) - 20);
            case 5 -> (float) r.nextGaussian();
            case 6 -> randomString(r);
            case 7 -> bytes(r);
            case 8 -> (short) r.nextInt(Short.MAX_VALUE);
            case 9, 10 -> {
                Map<String, Object> m = new LinkedHashMap<>();
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    m.put(randomString(r), randomValue(r, depth + 1));
                }
                yield m;
            }
            default -> {
                List<Object> l = new ArrayList<>();
                int n = r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    l.add(randomValue(r, depth + 1));
                }
                yield r.nextBoolean() ? l : new LinkedHashSet<>(l);
            }
        };
    }

    private static String randomString(Random r) {
        int n = r.nextInt(4) == 0 ? r.nextInt(300) : r.nextInt(12);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = switch (r.nextInt(4)) {
                case 0 -> 'a' + r.nextInt(26);
                case 1 -> 0x20 + r.nextInt(0x60);
                case 2 -> 0xa0 + r.nextInt(0x700);
                default -> 0x4e00 + r.nextInt(0x500);
            };
            sb.append((char) c);
        }
        if (r.nextInt(10) == 0) {
            sb.appendCodePoint(0x1f600 + r.nextInt(50));
        }
        return sb.toString();
    }

    private static byte[] bytes(Random r) {
        byte[] b = new byte[r.nextInt(20)];
        r.nextBytes(b);
        return b;
    }
}
