package dev.molt.accel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Payloads#encode(Codec, Object, int)}: same bytes when the value fits, an early stop when not. */
class BoundedEncodeTest {

    record Item(String name, int qty, double price, List<String> tags) {
    }

    @Test
    void aValueThatFitsEncodesToTheSameBytes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("items", List.of(new Item("a", 1, 2.5, List.of("x", "y")), new Item("\u00e9\u00e8", -7, 0, List.of())));
        m.put("flag", true);
        m.put("none", null);
        m.put("blob", new byte[] {1, 2, 3});
        m.put("big", 1L << 40);
        for (Codec c : List.of(Codec.MSGPACK, Codec.JSON)) {
            byte[] expected = Payloads.encode(c, m);
            assertThat(Payloads.encode(c, m, expected.length)).isEqualTo(expected);
            assertThatThrownBy(() -> Payloads.encode(c, m, expected.length - 1))
                    .isInstanceOf(PayloadTooLargeException.class);
        }
        assertThat(Payloads.encode(Codec.RAW, new byte[4], 4)).hasSize(4);
        assertThatThrownBy(() -> Payloads.encode(Codec.RAW, new byte[5], 4)).isInstanceOf(PayloadTooLargeException.class);
    }

    /**
     * A list that claims ten million strings of 100 characters (about 1 GB encoded) and makes each only
     * when asked: a bounded encoding stops after about the limit's worth, allocating megabytes.
     */
    @Test
    void aHugeValueStopsAtTheLimit() {
        String s = "x".repeat(100);
        List<String> huge = new AbstractList<>() {
            @Override
            public String get(int index) {
                return s;
            }

            @Override
            public int size() {
                return 10_000_000;
            }
        };
        int limit = 1 << 20;
        for (Codec c : List.of(Codec.MSGPACK, Codec.JSON)) {
            long allocatedBefore = allocated();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> Payloads.encode(c, Map.of("values", huge), limit))
                    .isInstanceOf(PayloadTooLargeException.class).hasMessageContaining(Integer.toString(limit));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            long allocated = allocated() - allocatedBefore;
            System.out.printf("[bounded-encode] %s: 1 GB value refused at a 1 MiB limit in %d ms, %.1f MB allocated%n",
                    c.id(), millis, allocated / 1e6);
            assertThat(allocated).as("bytes allocated").isLessThan(64L * limit);
            assertThat(millis).isLessThan(5_000);
        }
    }

    @Test
    void nestedContainersCountToo() {
        List<Object> root = new ArrayList<>();
        List<Object> cur = root;
        for (int i = 0; i < 500; i++) {
            List<Object> next = new ArrayList<>();
            cur.add(next);
            cur = next;
        }
        byte[] exact = Payloads.encode(Codec.MSGPACK, root);
        assertThat(Payloads.encode(Codec.MSGPACK, root, exact.length)).isEqualTo(exact);
        assertThatThrownBy(() -> Payloads.encode(Codec.MSGPACK, root, 100)).isInstanceOf(PayloadTooLargeException.class);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
