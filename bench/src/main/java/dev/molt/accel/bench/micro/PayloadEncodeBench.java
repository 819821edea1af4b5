package dev.molt.accel.bench.micro;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The resolved-arguments payload of the demo's {@code list_items} call (the light scenario's
 * {@code user_id=42&limit=50}) encoded to msgpack: through {@code Payloads.encode} with the starter's
 * size limit (the direct msgpack-core writer for plain values) against Jackson's msgpack data binding,
 * which every payload went through before. Run:
 * {@code java -cp bench/target/molt-accel-bench.jar org.openjdk.jmh.Main PayloadEncodeBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PayloadEncodeBench {

    private static final ObjectMapper JACKSON = new ObjectMapper(new MessagePackFactory());

    private final Map<String, Object> listItems = listItems();

    private static Map<String, Object> listItems() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user_id", 42L);
        m.put("limit", 50);
        return m;
    }

    @Benchmark
    public byte[] direct() {
        return Payloads.encode(Codec.MSGPACK, listItems, 10 * 1024 * 1024);
    }

    @Benchmark
    public byte[] jackson() throws Exception {
        return JACKSON.writeValueAsBytes(listItems);
    }
}
