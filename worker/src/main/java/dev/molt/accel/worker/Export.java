package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import java.util.Objects;

/**
 * One Java handler exported under an entry name, with the codecs it speaks and the Java type its
 * request payload is decoded into.
 *
 * <p>Everything about the call is resolved here, once, at registration: the worker does no
 * reflection per request. A request type of {@code byte[]} receives the payload bytes undecoded
 * (whatever the codec); any other type is decoded with
 * {@link dev.molt.accel.protocol.Payloads#decode(Codec, byte[], java.lang.reflect.Type)}
 * ({@code Object} gives plain maps, lists, strings and numbers).
 *
 * <p>An export may declare a sample payload ({@link #withSample}): a worker started with
 * {@code --warmup} runs it through decode, handler and encode a few times before it answers its
 * first {@code __ping__}, so that the first real call does not pay for class loading and
 * interpretation.
 *
 * <p>Immutable and thread-safe; holds no resources (a sample should be immutable too).
 */
public final class Export {

    private final String name;
    private final Codec codecIn;
    private final Codec codecOut;
    private final Class<?> requestType;
    private final boolean rawRequest;
    private final MoltHandler<Object, ?> handler;
    private final Object sample;

    private Export(String name, Codec codecIn, Codec codecOut, Class<?> requestType, MoltHandler<Object, ?> handler,
            Object sample) {
        this.name = name;
        this.codecIn = codecIn;
        this.codecOut = codecOut;
        this.requestType = requestType;
        this.rawRequest = requestType == byte[].class;
        this.handler = handler;
        this.sample = sample;
    }

    /**
     * An export that accepts payloads in {@code codecIn} only and answers in {@code codecOut}.
     *
     * @param name entry name: not empty, not starting with {@code __}
     * @param requestType what the payload is decoded into; {@code byte[]} for the bytes as they came
     *     (required for opaque input codecs, which allow {@code byte[]} or {@code Object} only)
     * @throws IllegalArgumentException when the name is empty or reserved, or the type cannot be
     *     read from {@code codecIn}
     */
    public static <I> Export of(String name, Codec codecIn, Codec codecOut, Class<I> requestType,
            MoltHandler<? super I, ?> handler) {
        Objects.requireNonNull(codecIn, "codecIn");
        Objects.requireNonNull(codecOut, "codecOut");
        return create(name, codecIn, codecOut, requestType, handler);
    }

    /**
     * An export that accepts a payload in any codec and answers in the codec of the request
     * ({@link MoltContext#requestCodec()}); a returned {@code byte[]} is sent as is.
     *
     * @throws IllegalArgumentException when the name is empty or reserved
     */
    public static <I> Export anyCodec(String name, Class<I> requestType, MoltHandler<? super I, ?> handler) {
        return create(name, null, null, requestType, handler);
    }

    @SuppressWarnings("unchecked")
    private static Export create(String name, Codec codecIn, Codec codecOut, Class<?> requestType,
            MoltHandler<?, ?> handler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(requestType, "requestType");
        Objects.requireNonNull(handler, "handler");
        checkName(name);
        if (codecIn != null && codecIn.isOpaque() && requestType != byte[].class && requestType != Object.class) {
            throw new IllegalArgumentException("Export '" + name + "': a " + codecIn.id()
                    + " payload can only be received as byte[] or Object, not " + requestType.getName());
        }
        return new Export(name, codecIn, codecOut, requestType, (MoltHandler<Object, ?>) handler, null);
    }

    /**
     * This export with a sample request payload for warm-up ({@code --warmup}): a value encoded
     * with the export's input codec (msgpack for an export of any codec), or a {@code byte[]}
     * already in that codec. The sample should be a typical, valid, cheap request: the handler runs
     * with it, so it must not have effects beyond the worker (no writes to shared systems).
     */
    public Export withSample(Object payload) {
        Objects.requireNonNull(payload, "payload");
        return new Export(name, codecIn, codecOut, requestType, handler, payload);
    }

    /** The sample request payload, or {@code null} when none was declared. */
    public Object sample() {
        return sample;
    }

    static void checkName(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("Export name must not be empty");
        }
        if (Entries.isReserved(name)) {
            throw new IllegalArgumentException("Export name '" + name + "' is reserved: names starting with __ are never exports");
        }
    }

    /** The entry name. */
    public String name() {
        return name;
    }

    /** The codec callers must send, or {@code null} when any codec is accepted. */
    public Codec codecIn() {
        return codecIn;
    }

    /** The codec of the result, or {@code null} when the result uses the request's codec. */
    public Codec codecOut() {
        return codecOut;
    }

    /** Whether this export accepts any request codec. */
    public boolean acceptsAnyCodec() {
        return codecIn == null;
    }

    /** The type the request payload is decoded into. */
    public Class<?> requestType() {
        return requestType;
    }

    boolean rawRequest() {
        return rawRequest;
    }

    MoltHandler<Object, ?> handler() {
        return handler;
    }

    @Override
    public String toString() {
        return "Export[" + name + ", " + (codecIn == null ? "any" : codecIn.id()) + " -> "
                + (codecOut == null ? "same" : codecOut.id()) + ", " + requestType.getSimpleName() + "]";
    }
}
