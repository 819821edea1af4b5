package dev.molt.accel.client;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Options of one call. Immutable and thread-safe; build with {@link #builder()} or derive with
 * {@link #toBuilder()}. Values are validated as they are set (headers when the options are built).
 *
 * <p>Hooks never run on the client's reader or timer threads. {@code beforeSend} runs on the thread
 * that sends the attempt (the caller's for the first one, a lifecycle thread for retries);
 * {@code afterRecv} and {@code metrics} run on the caller's thread for a
 * blocking {@code call()} and on the client's callback executor for {@code callAsync} (answers
 * that lead to a retry: on a lifecycle thread); the {@code cancelCheck} is polled on the callback
 * executor. They must be fast and must not throw; an exception from a hook is logged and ignored.
 */
public final class CallOptions {

    /** Default timeout of a call: 250 ms. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);

    private static final CallOptions DEFAULTS = new Builder().build();

    private final Codec codec;
    private final Duration timeout;
    private final long timeoutNanos;
    private final boolean idempotent;
    private final boolean decodeResponse;
    private final boolean retryOnTimeout;
    private final boolean retryOnBusy;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final BooleanSupplier cancelCheck;
    private final Consumer<RequestEnvelope> beforeSend;
    private final Consumer<ResponseEnvelope> afterRecv;
    private final Consumer<Map<String, Object>> metrics;
    private final Map<String, String> headers;

    private CallOptions(Builder b) {
        this.codec = b.codec;
        this.timeout = b.timeout;
        this.timeoutNanos = b.timeout.toNanos();
        this.idempotent = b.idempotent;
        this.decodeResponse = b.decodeResponse;
        this.retryOnTimeout = b.retryOnTimeout;
        this.retryOnBusy = b.retryOnBusy;
        this.maxRetries = b.maxRetries;
        this.retryBackoff = b.retryBackoff;
        this.retryBackoffMax = b.retryBackoffMax;
        this.cancelCheck = b.cancelCheck;
        this.beforeSend = b.beforeSend;
        this.afterRecv = b.afterRecv;
        this.metrics = b.metrics;
        this.headers = b.headers;
    }

    /** msgpack payload, 250 ms timeout, not idempotent, decoded response, no retries, no hooks. */
    public static CallOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Codec of the request payload; must match the export's {@code codec_in}. */
    public Codec codec() {
        return codec;
    }

    /**
     * The budget of the whole call; zero means none. It becomes one deadline when the call starts:
     * every attempt, retry backoff and wait for a replacement worker shares it, each attempt sends
     * the time left as {@code timeout_ms}, no retry starts at or past it, and the call fails with
     * {@link MoltTimeoutException} when it passes.
     */
    public Duration timeout() {
        return timeout;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** Whether running the request twice is harmless; only idempotent calls are ever re-sent. */
    public boolean idempotent() {
        return idempotent;
    }

    /** Whether the result is decoded on the calling thread (else only raw bytes are kept). */
    public boolean decodeResponse() {
        return decodeResponse;
    }

    /**
     * Whether an idempotent call whose worker answered {@code Timeout} is sent again while its
     * deadline leaves time (a client-side timeout is the deadline itself: nothing is left).
     */
    public boolean retryOnTimeout() {
        return retryOnTimeout;
    }

    /** Whether a call answered {@code Busy} is sent again (safe: a busy worker did not run it). */
    public boolean retryOnBusy() {
        return retryOnBusy;
    }

    /** How many times a busy or timed-out call may be sent again. */
    public int maxRetries() {
        return maxRetries;
    }

    /** First backoff between retries; doubles each retry up to {@link #retryBackoffMax()}. */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /** Largest backoff between retries. */
    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    /** Polled while the call waits; {@code true} cancels the call. {@code null} when none. */
    public BooleanSupplier cancelCheck() {
        return cancelCheck;
    }

    /** Sees each request envelope just before it is sent. {@code null} when none. */
    public Consumer<RequestEnvelope> beforeSend() {
        return beforeSend;
    }

    /** Sees each response envelope that answers the call. {@code null} when none. */
    public Consumer<ResponseEnvelope> afterRecv() {
        return afterRecv;
    }

    /**
     * Receives the worker's metrics plus the client's {@code client_ms}, {@code client_us},
     * {@code payload_bytes} and {@code response_bytes}. {@code null} when none.
     */
    public Consumer<Map<String, Object>> metrics() {
        return metrics;
    }

    /**
     * Request headers sent with every attempt of the call (PROTOCOL.md section 3: W3C
     * {@code traceparent}/{@code tracestate}, {@code baggage}, a correlation id); unmodifiable,
     * empty when none. The worker passes them to its handler; the client gives them no meaning.
     * {@code beforeSend} sees them in {@link RequestEnvelope#headers()}.
     */
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public String toString() {
        return "CallOptions[codec=" + codec + ", timeout=" + timeout + ", idempotent=" + idempotent
                + ", decodeResponse=" + decodeResponse + ", retryOnTimeout=" + retryOnTimeout
                + ", retryOnBusy=" + retryOnBusy + ", maxRetries=" + maxRetries + ", retryBackoff=" + retryBackoff
                + ", retryBackoffMax=" + retryBackoffMax + ", headers=" + headers.size() + "]";
    }

    /** Builds {@link CallOptions}; not thread-safe. */
    public static final class Builder {
        private Codec codec = Codec.MSGPACK;
        private Duration timeout = DEFAULT_TIMEOUT;
        private boolean idempotent;
        private boolean decodeResponse = true;
        private boolean retryOnTimeout;
        private boolean retryOnBusy;
        private int maxRetries = 2;
        private Duration retryBackoff = Duration.ofMillis(10);
        private Duration retryBackoffMax = Duration.ofMillis(200);
        private BooleanSupplier cancelCheck;
        private Consumer<RequestEnvelope> beforeSend;
        private Consumer<ResponseEnvelope> afterRecv;
        private Consumer<Map<String, Object>> metrics;
        private Map<String, String> headers = Map.of();

        private Builder() {
        }

        private Builder(CallOptions o) {
            codec = o.codec;
            timeout = o.timeout;
            idempotent = o.idempotent;
            decodeResponse = o.decodeResponse;
            retryOnTimeout = o.retryOnTimeout;
            retryOnBusy = o.retryOnBusy;
            maxRetries = o.maxRetries;
            retryBackoff = o.retryBackoff;
            retryBackoffMax = o.retryBackoffMax;
            cancelCheck = o.cancelCheck;
            beforeSend = o.beforeSend;
            afterRecv = o.afterRecv;
            metrics = o.metrics;
            headers = o.headers;
        }

        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout < 0: " + timeout);
            }
            if (timeout.toMillis() > RequestEnvelope.MAX_TIMEOUT_MS) {
                throw new IllegalArgumentException("timeout > " + RequestEnvelope.MAX_TIMEOUT_MS + " ms: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public Builder timeoutMs(long timeoutMs) {
            return timeout(Duration.ofMillis(timeoutMs));
        }

        public Builder idempotent(boolean idempotent) {
            this.idempotent = idempotent;
            return this;
        }

        public Builder decodeResponse(boolean decodeResponse) {
            this.decodeResponse = decodeResponse;
            return this;
        }

        public Builder retryOnTimeout(boolean retryOnTimeout) {
            this.retryOnTimeout = retryOnTimeout;
            return this;
        }

        public Builder retryOnBusy(boolean retryOnBusy) {
            this.retryOnBusy = retryOnBusy;
            return this;
        }

        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries < 0: " + maxRetries);
            }
            this.maxRetries = maxRetries;
            return this;
        }

        public Builder retryBackoff(Duration retryBackoff) {
            Objects.requireNonNull(retryBackoff, "retryBackoff");
            if (retryBackoff.isNegative()) {
                throw new IllegalArgumentException("retryBackoff < 0: " + retryBackoff);
            }
            this.retryBackoff = retryBackoff;
            return this;
        }

        public Builder retryBackoffMs(long ms) {
            return retryBackoff(Duration.ofMillis(ms));
        }

        public Builder retryBackoffMax(Duration retryBackoffMax) {
            Objects.requireNonNull(retryBackoffMax, "retryBackoffMax");
            if (retryBackoffMax.isNegative()) {
                throw new IllegalArgumentException("retryBackoffMax < 0: " + retryBackoffMax);
            }
            this.retryBackoffMax = retryBackoffMax;
            return this;
        }

        public Builder retryBackoffMaxMs(long ms) {
            return retryBackoffMax(Duration.ofMillis(ms));
        }

        public Builder cancelCheck(BooleanSupplier cancelCheck) {
            this.cancelCheck = cancelCheck;
            return this;
        }

        public Builder beforeSend(Consumer<RequestEnvelope> beforeSend) {
            this.beforeSend = beforeSend;
            return this;
        }

        public Builder afterRecv(Consumer<ResponseEnvelope> afterRecv) {
            this.afterRecv = afterRecv;
            return this;
        }

        public Builder metrics(Consumer<Map<String, Object>> metrics) {
            this.metrics = metrics;
            return this;
        }

        /**
         * Headers for every attempt of the call, replacing any set before; {@code null} or empty for
         * none. Copied; checked when the options are built.
         */
        public Builder headers(Map<String, String> headers) {
            // insertion order kept: the headers go on the wire in the caller's order
            this.headers = headers == null || headers.isEmpty()
                    ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            return this;
        }

        /**
         * @throws IllegalArgumentException when the retry backoffs are inverted, or the headers have
         *     an empty name, more than {@value RequestEnvelope#MAX_HEADERS} entries or more than
         *     {@value RequestEnvelope#MAX_HEADER_BYTES} bytes of UTF-8 names and values
         */
        public CallOptions build() {
            RequestEnvelope.checkHeaders(headers);
            if (retryBackoffMax.compareTo(retryBackoff) < 0) {
                throw new IllegalArgumentException(
                        "retryBackoffMax (" + retryBackoffMax + ") < retryBackoff (" + retryBackoff + ")");
            }
            return new CallOptions(this);
        }
    }
}
