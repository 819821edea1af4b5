package dev.molt.accel.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;

/**
 * Runs the work of the annotated method in a Molt worker process: the export {@link #entry()} is
 * called with a payload built from the method's arguments, and its result becomes the method's
 * result. The method body is the in-process implementation, run only when {@link #allowFallback()}
 * is set and the worker fails.
 *
 * <p>On a Spring MVC handler method the call is served asynchronously (the servlet thread is
 * released while the worker works); on a WebFlux handler method (which must return
 * {@code Mono<T>}) the call is a {@code Mono} whose cancellation cancels the worker call. Called
 * directly (outside request handling), the method blocks until the worker answers and returns the
 * result converted to its declared type, or throws a {@link dev.molt.accel.client.MoltAccelException}.
 *
 * <p>Options left at their defaults take the {@code molt.accel.*} properties, which themselves
 * default from the {@code MOLT_*} environment variables of the protocol. Everything is resolved once
 * per method when the application starts; an invalid combination fails the start with a message
 * naming the method.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface MoltOffload {

    /** Alias for {@link #entry()}. */
    @AliasFor("entry")
    String value() default "";

    /** The export to call, for example {@code list_items}. Required. */
    @AliasFor("value")
    String entry() default "";

    /**
     * Codec of the request payload: {@code msgpack} (default), {@code json}, {@code raw} or
     * {@code arrow_ipc}. It must match the export's {@code codec_in}.
     */
    String codec() default "msgpack";

    /**
     * Codec the export answers in (its {@code codec_out}): a response in another codec is refused
     * with 502 {@code MoltProtocolError} instead of being written or decoded as something it is
     * not. Empty (default): whatever codec the worker names.
     */
    String codecOut() default "";

    /**
     * Deadline of the whole call in milliseconds: every attempt, retry and backoff shares it, and each
     * attempt sends the time left to the worker as {@code timeout_ms}; {@code 0}
     * means none. Negative (default): {@code molt.accel.timeout}.
     */
    long timeoutMs() default -1;

    /** Whether running the request twice is harmless; only idempotent calls are ever re-sent. */
    boolean idempotent() default false;

    /**
     * Whether the method body runs in-process when the worker call fails (unavailable, busy, timed
     * out, internal or protocol error) instead of answering an error. Invalid input and cancelled
     * requests never fall back.
     */
    boolean allowFallback() default false;

    /**
     * Whether the worker result is decoded and converted to the return type. {@code false} writes
     * the result bytes as they came, with the content type of their codec.
     */
    boolean decodeResponse() default true;

    /**
     * {@code shared} (one long-lived client or pool for the application) or {@code per_request}
     * (a worker process per call, closed after it). Empty (default): {@code molt.accel.client-mode}.
     */
    String clientMode() default "";

    /** Whether an idempotent call that timed out is sent again; default {@code molt.accel.retry.on-timeout}. */
    Flag retryOnTimeout() default Flag.DEFAULT;

    /** Whether a call answered {@code Busy} is sent again; default {@code molt.accel.retry.on-busy}. */
    Flag retryOnBusy() default Flag.DEFAULT;

    /** First backoff between retries in ms; negative (default): {@code molt.accel.retry.backoff}. */
    long retryBackoffMs() default -1;

    /** Largest backoff between retries in ms; negative (default): {@code molt.accel.retry.backoff-max}. */
    long retryBackoffMaxMs() default -1;

    /** Largest number of retries; negative (default): {@code molt.accel.retry.max-retries}. */
    int maxRetries() default -1;

    /** HTTP status answered for {@code Busy}: 429 or 503. Negative (default): {@code molt.accel.busy-status}. */
    int busyStatus() default -1;

    /**
     * Name of the worker pool to call: a pool of {@code molt.accel.workers.<name>.*} or a
     * {@link MoltPool @MoltPool} bean. Its keys are this method's defaults (timeout, retries, client
     * mode). Empty (default): the default pool ({@code molt.accel.*}). An unknown name fails the
     * start naming this method and the pools. Not with {@link #client()}.
     */
    String worker() default "";

    /**
     * Name of the {@link dev.molt.accel.client.MoltClient} (or pool) bean to call through instead of
     * the application's default client. Not allowed with {@code clientMode = "per_request"}; prefer
     * {@link #worker()}, whose pools are started, health-checked and metered.
     */
    String client() default "";

    /**
     * Builds the payload from the request instead of the default (the method's resolved
     * arguments). A bean of that type is used when the context has exactly one, else an instance is
     * created (with autowiring) once.
     */
    Class<? extends MoltPayloadBuilder> payloadBuilder() default MoltPayloadBuilder.class;

    /**
     * Makes the response from the worker result instead of the default (conversion to the return
     * type, or JSON pass-through). Resolved as {@link #payloadBuilder()}.
     */
    Class<? extends MoltResponseFactory> responseFactory() default MoltResponseFactory.class;

    /** Name of a {@link MoltBeforeSend} (or {@code Consumer<RequestEnvelope>}) bean. */
    String beforeSend() default "";

    /** A {@link MoltBeforeSend} class, resolved as {@link #payloadBuilder()}. */
    Class<? extends MoltBeforeSend> beforeSendClass() default MoltBeforeSend.class;

    /** Name of a {@link MoltAfterRecv} (or {@code Consumer<ResponseEnvelope>}) bean. */
    String afterRecv() default "";

    /** A {@link MoltAfterRecv} class, resolved as {@link #payloadBuilder()}. */
    Class<? extends MoltAfterRecv> afterRecvClass() default MoltAfterRecv.class;

    /** Name of a {@link MoltMetricsHook} (or {@code Consumer<Map<String, Object>>}) bean. */
    String metrics() default "";

    /** A {@link MoltMetricsHook} class, resolved as {@link #payloadBuilder()}. */
    Class<? extends MoltMetricsHook> metricsClass() default MoltMetricsHook.class;

    /** Name of a {@link MoltCancelCheck} bean, polled while the call waits. */
    String cancelCheck() default "";

    /** A {@link MoltCancelCheck} class, resolved as {@link #payloadBuilder()}. */
    Class<? extends MoltCancelCheck> cancelCheckClass() default MoltCancelCheck.class;

    /** A boolean option that can also defer to its property. */
    enum Flag {
        /** Use the {@code molt.accel.*} property. */
        DEFAULT,
        /** On. */
        TRUE,
        /** Off. */
        FALSE
    }
}
