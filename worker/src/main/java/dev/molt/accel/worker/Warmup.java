package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Envelopes;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.protocol.Wire;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The worker's self-warm-up ({@code --warmup}): before the first request is read, the sample of
 * every export that declares one runs the path of a request, on the calling thread: the request
 * envelope encoded and decoded, the payload decoded into the export's type, the handler, the
 * result encoded and the response envelope encoded. A fresh JVM thereby loads and links the codec
 * classes (Jackson's data binding above all) and interprets the hot methods before a real call
 * pays for it: measured on the bundled worker, the first {@code list_items} took about a second
 * without it.
 *
 * <p>Bounded: at most {@link #MAX_ROUNDS} rounds over the samples and {@link #BUDGET_NANOS} in all
 * (a handler sees that budget as its deadline, so a cooperative one stops at it). A sample that
 * fails stops its own warm-up only, with one WARNING line. Stateless.
 */
final class Warmup {

    private static final System.Logger LOG = System.getLogger(MoltWorker.class.getName());

    /** Rounds over the samples: enough for the interpreter's first compilations of the codec paths. */
    static final int MAX_ROUNDS = 50;
    /** The whole warm-up's time limit: a second, a fraction of a cold start's cost. */
    static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Warmup() {
    }

    /**
     * Runs the samples of {@code routes}; returns the number of sample calls that completed.
     *
     * @param budgetNanos the time limit, normally {@link #BUDGET_NANOS}
     */
    static int run(Map<String, Route> routes, int maxRounds, long budgetNanos) {
        List<Sample> samples = new ArrayList<>();
        for (Route r : routes.values()) {
            Object sample = r.export().sample();
            if (sample == null) {
                continue;
            }
            Codec codec = r.codecIn() != null ? r.codecIn() : Codec.MSGPACK;
            try {
                byte[] bytes = sample instanceof byte[] b ? b : Payloads.encode(codec, sample);
                samples.add(new Sample(r, codec, bytes));
            } catch (RuntimeException e) {
                warn(r, e);
            }
        }
        if (samples.isEmpty()) {
            return 0;
        }
        long start = System.nanoTime();
        long deadline = start + budgetNanos;
        int done = 0;
        for (int round = 0; round < maxRounds && !samples.isEmpty() && System.nanoTime() - deadline < 0; round++) {
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                try {
                    runOnce(s, round + 1L, deadline);
                    done++;
                } catch (Exception | StackOverflowError e) {
                    warn(s.route, e);
                    samples.remove(i--);
                }
                if (System.nanoTime() - deadline >= 0) {
                    break;
                }
            }
        }
        LOG.log(Level.INFO, "Warmed up with {0} sample call(s) in {1} ms", done,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return done;
    }

    private static void runOnce(Sample s, long id, long deadline) throws Exception {
        Route route = s.route;
        long timeoutMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        byte[] body = Envelopes.encodeRequest(Wire.MSGPACK, new RequestEnvelope(id, route.name(), timeoutMs, s.codec, s.bytes));
        RequestEnvelope request = Envelopes.decodeRequest(Wire.MSGPACK, body);
        Export export = route.export();
        Object input;
        if (export.rawRequest()) {
            input = request.payload();
        } else {
            input = route.decodeInput(request);
        }
        Codec responseCodec = route.responseCodec(request.codec());
        Object result = export.handler().handle(input, new Context(request, responseCodec, deadline));
        byte[] out = route.encodeResult(result, request.codec(), responseCodec);
        Envelopes.encodeResponse(Wire.MSGPACK, ResponseEnvelope.ok(id, responseCodec, out, Map.of("exec_us", 1L)));
    }

    private static void warn(Route r, Throwable e) {
        LOG.log(Level.WARNING, "Warm-up of export ''{0}'' stopped: its sample failed ({1})",
                MoltWorker.printable(r.name(), 64), e.toString());
    }

    private record Sample(Route route, Codec codec, byte[] bytes) {
    }

    /** The context of a sample call: its deadline is the end of the warm-up; nothing cancels it otherwise. */
    private static final class Context extends RequestContext {
        private final long deadline;

        Context(RequestEnvelope request, Codec responseCodec, long deadline) {
            super(request, responseCodec);
            this.deadline = deadline;
        }

        @Override
        public boolean hasDeadline() {
            return true;
        }

        @Override
        public long deadlineNanos() {
            return deadline;
        }

        @Override
        public long remainingNanos() {
            return deadline - System.nanoTime();
        }

        @Override
        public boolean isCancelled() {
            return remainingNanos() <= 0;
        }

        @Override
        public void throwIfCancelled() {
            if (isCancelled()) {
                throw new RequestCancelledException("Warm-up time is over", true);
            }
        }

        @Override
        public void putMetric(String key, long value) {
            // a sample's metrics go nowhere
        }

        @Override
        public void putMetric(String key, String value) {
            // a sample's metrics go nowhere
        }
    }
}
