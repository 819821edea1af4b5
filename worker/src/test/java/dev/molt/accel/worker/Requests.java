package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Status;
import dev.molt.accel.protocol.Wire;
import dev.molt.accel.worker.demo.DemoExports;
import dev.molt.accel.worker.demo.FakeDb;
import dev.molt.accel.test.worker.TestWorker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small builders for test requests and decoded results. */
final class Requests {

    private Requests() {
    }

    static RequestEnvelope msgpack(long id, String entry, long timeoutMs, Object payload) {
        return new RequestEnvelope(id, entry, timeoutMs, Codec.MSGPACK, Payloads.encode(Codec.MSGPACK, payload));
    }

    static RequestEnvelope json(long id, String entry, long timeoutMs, Object payload) {
        return new RequestEnvelope(id, entry, timeoutMs, Codec.JSON, Payloads.encode(Codec.JSON, payload));
    }

    static RequestEnvelope ping(long id) {
        return RequestEnvelope.ping(id, 0);
    }

    static RequestEnvelope cancel(long id) {
        return RequestEnvelope.cancel(id, Wire.MSGPACK);
    }

    /** A map in insertion order from alternating keys and values (values may be null). */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The response payload decoded into plain values. */
    static Object result(ResponseEnvelope r) {
        byte[] p = r.payloadOrEmpty();
        return p.length == 0 && !r.codec().isOpaque() ? null : Payloads.decode(r.codec(), p, Object.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> resultMap(ResponseEnvelope r) {
        return (Map<String, Object>) result(r);
    }

    static boolean isStatus(ResponseEnvelope r, Status s) {
        return r.status() == s && !r.isCancelAck();
    }

    /** The default manifest with the demo exports (free database) and the TestWorker control entries. */
    static MoltWorker.Builder testWorker() {
        return MoltWorker.builder()
                .threads(2)
                .maxQueue(16)
                .drainTimeout(Duration.ofSeconds(10))
                .manifest(dev.molt.accel.protocol.ExportsManifest.defaults())
                .exports(DemoExports.exports(FakeDb.FREE))
                .exports(TestWorker.exports());
    }
}
