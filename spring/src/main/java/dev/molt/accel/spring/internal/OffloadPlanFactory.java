package dev.molt.accel.spring.internal;

import dev.molt.accel.client.CallOptions;
import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Entries;
import dev.molt.accel.protocol.RequestEnvelope;
import dev.molt.accel.protocol.ResponseEnvelope;
import dev.molt.accel.spring.MoltAfterRecv;
import dev.molt.accel.spring.MoltBeforeSend;
import dev.molt.accel.spring.MoltCancelCheck;
import dev.molt.accel.spring.MoltMetricsHook;
import dev.molt.accel.spring.MoltOffload;
import dev.molt.accel.spring.MoltOffloadConfigurationException;
import dev.molt.accel.spring.MoltPayloadBuilder;
import dev.molt.accel.spring.MoltPools;
import dev.molt.accel.spring.MoltResponseFactory;
import dev.molt.accel.spring.autoconfigure.MoltAccelProperties;
import dev.molt.accel.spring.autoconfigure.PoolProperties;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;

/**
 * Turns a {@code @MoltOffload} method into an {@link OffloadPlan}: validates the annotation,
 * merges it with the properties, resolves beans and classes, and inspects the parameters and the
 * return type. Called once per method; errors are {@link MoltOffloadConfigurationException}s naming
 * the method.
 */
public final class OffloadPlanFactory {

    private static final Logger log = LoggerFactory.getLogger(OffloadPlanFactory.class);
    /** Beyond a call's deadline, the time the async request waits for the client to report it. */
    private static final long ASYNC_TIMEOUT_MARGIN_MILLIS = 500;

    private static final String WEB_BIND = "org.springframework.web.bind.annotation.";
    private static final String[] NON_PAYLOAD_TYPES = {
        "jakarta.servlet.ServletRequest", "jakarta.servlet.ServletResponse", "jakarta.servlet.http.HttpSession",
        "org.springframework.web.context.request.WebRequest", "org.springframework.web.server.ServerWebExchange",
        "org.springframework.http.server.reactive.ServerHttpRequest",
        "org.springframework.http.server.reactive.ServerHttpResponse", "org.springframework.web.server.WebSession",
        "org.springframework.validation.Errors", "org.springframework.ui.Model", "org.springframework.ui.ModelMap",
        "org.springframework.web.bind.support.SessionStatus", "org.springframework.web.util.UriComponentsBuilder",
        "org.springframework.http.HttpMethod", "org.springframework.http.HttpHeaders",
        "org.springframework.http.HttpEntity", "java.security.Principal", "java.util.Locale", "java.util.TimeZone",
        "java.time.ZoneId", "java.io.InputStream", "java.io.OutputStream", "java.io.Reader", "java.io.Writer",
    };
    private static final String[] UNSUPPORTED_RETURN_TYPES = {
        "org.reactivestreams.Publisher", "org.springframework.web.context.request.async.DeferredResult",
        "org.springframework.web.context.request.async.WebAsyncTask",
        "org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter",
        "org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody",
    };
    private static final String[] JSON_TREE_TYPES = {
        "com.fasterxml.jackson.databind.JsonNode", "tools.jackson.databind.JsonNode",
    };

    private static final Class<?> MONO = load("reactor.core.publisher.Mono");
    private static final Class<?> HTTP_ENTITY = load("org.springframework.http.HttpEntity");

    private final ConfigurableListableBeanFactory beanFactory;
    private final MoltAccelProperties properties;
    private final WebStack webStack;
    private final WorkerMetricsRecorder recorder;
    private final MoltPoolRegistry pools;
    private final ParameterNameDiscoverer names = new DefaultParameterNameDiscoverer();
    private final List<Class<?>> nonPayloadTypes = new ArrayList<>();
    private final List<Class<?>> unsupportedReturnTypes = new ArrayList<>();
    private final List<Class<?>> jsonTreeTypes = new ArrayList<>();
    private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();

    /**
     * @param pools the worker pools; the default pool's shared client is asked once per plan in
     *     shared mode to check that it exists
     */
    public OffloadPlanFactory(ConfigurableListableBeanFactory beanFactory, MoltAccelProperties properties,
            WebStack webStack, WorkerMetricsRecorder recorder, MoltPoolRegistry pools) {
        this.beanFactory = beanFactory;
        this.properties = properties;
        this.webStack = webStack;
        this.recorder = recorder;
        this.pools = pools;
        loadAll(NON_PAYLOAD_TYPES, nonPayloadTypes);
        loadAll(UNSUPPORTED_RETURN_TYPES, unsupportedReturnTypes);
        loadAll(JSON_TREE_TYPES, jsonTreeTypes);
    }

    /** The plan of {@code method}, or {@code null} when it carries no {@code @MoltOffload}. */
    public OffloadPlan create(Method method) {
        MoltOffload a = AnnotatedElementUtils.findMergedAnnotation(method, MoltOffload.class);
        if (a == null) {
            return null;
        }
        String where = method.getDeclaringClass().getName() + "." + method.getName();
        try {
            return build(method, a);
        } catch (MoltOffloadConfigurationException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException | BeansException e) {
            throw new MoltOffloadConfigurationException("@MoltOffload on " + where + ": " + e.getMessage(), e);
        }
    }

    private OffloadPlan build(Method method, MoltOffload a) {
        OffloadPlan.Builder b = new OffloadPlan.Builder();
        b.method = method;
        String entry = a.entry().trim();
        if (entry.isEmpty()) {
            throw new IllegalArgumentException("entry is required");
        }
        if (Entries.isReserved(entry)) {
            throw new IllegalArgumentException("entry '" + entry + "' is reserved (names starting with __ are never exports)");
        }
        b.entry = entry;
        b.codec = Codec.of(a.codec());
        b.codecOut = a.codecOut().isBlank() ? null : Codec.of(a.codecOut().trim());

        String pool = pool(method, a);
        PoolProperties settings = properties.pool(pool);
        PoolProperties.Retry retry = settings.getRetry();
        boolean retryOnTimeout = flag(a.retryOnTimeout(), retry.getOnTimeout());
        boolean retryOnBusy = flag(a.retryOnBusy(), retry.getOnBusy());
        if (a.retryOnTimeout() == MoltOffload.Flag.TRUE && !a.idempotent()) {
            throw new IllegalArgumentException("retryOnTimeout = TRUE needs idempotent = true: only idempotent calls are re-sent");
        }
        long backoff = a.retryBackoffMs() >= 0 ? a.retryBackoffMs() : retry.getBackoff().toMillis();
        long backoffMax = a.retryBackoffMaxMs() >= 0 ? a.retryBackoffMaxMs()
                : Math.max(backoff, retry.getBackoffMax().toMillis());
        int maxRetries = a.maxRetries() >= 0 ? a.maxRetries() : retry.getMaxRetries();
        // molt.accel.timeout-scale lengthens annotation values too (tests on slow machines)
        Duration timeout = properties.scaled(a.timeoutMs() >= 0 ? Duration.ofMillis(a.timeoutMs()) : settings.getTimeout());
        b.options = CallOptions.builder()
                .codec(b.codec)
                .timeout(timeout)
                .idempotent(a.idempotent())
                .decodeResponse(false)
                .retryOnTimeout(retryOnTimeout)
                .retryOnBusy(retryOnBusy)
                .maxRetries(maxRetries)
                .retryBackoffMs(backoff)
                .retryBackoffMaxMs(backoffMax);
        b.options.build(); // validates the backoff pair now, naming the method

        b.allowFallback = a.allowFallback();
        b.decodeResponse = a.decodeResponse();
        b.busyStatus = a.busyStatus() >= 0 ? a.busyStatus() : properties.getBusyStatus();
        if (b.busyStatus != 429 && b.busyStatus != 503) {
            throw new IllegalArgumentException("busyStatus must be 429 or 503, got " + b.busyStatus);
        }
        b.mode = a.clientMode().isBlank() ? pools.mode(pool) : ClientMode.of(a.clientMode());
        String tag = pool;
        if (!MoltPools.DEFAULT.equals(pool)) {
            b.client = pools.client(pool, b.mode);
        } else if (!a.client().isBlank()) {
            if (b.mode == ClientMode.PER_REQUEST) {
                throw new IllegalArgumentException("client = \"" + a.client()
                        + "\" cannot be combined with clientMode per_request (a per-request client is built for each call)");
            }
            if (!beanFactory.containsBean(a.client())) {
                throw new IllegalArgumentException("no bean named '" + a.client() + "' (client)");
            }
            b.client = beanFactory.getBean(a.client(), MoltClient.class);
            String beanPool = pools.poolOfBean(a.client());
            tag = beanPool != null ? beanPool : a.client();
        } else if (b.mode == ClientMode.SHARED) {
            pools.client(MoltPools.DEFAULT, ClientMode.SHARED);
        }

        b.pool = tag;
        b.transport = transport(settings);
        b.payloadBuilder = instance(a.payloadBuilder(), MoltPayloadBuilder.class);
        b.responseFactory = instance(a.responseFactory(), MoltResponseFactory.class);
        b.beforeSend = hook("beforeSend", a.beforeSend(), a.beforeSendClass(), MoltBeforeSend.class,
                RequestEnvelope.class, OffloadPlanFactory::beforeSendOf);
        b.afterRecv = hook("afterRecv", a.afterRecv(), a.afterRecvClass(), MoltAfterRecv.class, ResponseEnvelope.class,
                OffloadPlanFactory::afterRecvOf);
        b.metricsHook = hook("metrics", a.metrics(), a.metricsClass(), MoltMetricsHook.class, Map.class,
                OffloadPlanFactory::metricsOf);
        b.cancelCheck = cancelCheck(a);
        if (recorder != null) {
            WorkerMetricsRecorder r = recorder;
            String worker = tag;
            b.observer = m -> r.record(worker, entry, m);
        }

        b.shape = shape(method, b.decodeResponse);
        if (webStack == WebStack.REACTIVE && !b.shape.mono()
                && AnnotatedElementUtils.hasAnnotation(method.getDeclaringClass(), Controller.class)) {
            throw new IllegalArgumentException("on WebFlux a @MoltOffload handler method must return Mono<T>, not "
                    + method.getGenericReturnType().getTypeName());
        }
        parameters(method, b);
        b.asyncTimeoutMillis = asyncTimeout(timeout, b.mode, settings,
                properties.scaled(settings.getWorker().getStartTimeout()));
        return new OffloadPlan(b);
    }

    /** The transport tag of a pool: the scheme of its first endpoint, else {@code stdio}. */
    private static String transport(PoolProperties settings) {
        List<String> endpoints = settings.getEndpoints();
        if (endpoints == null || endpoints.isEmpty()) {
            return "stdio";
        }
        String e = endpoints.get(0);
        int colon = e.indexOf(':');
        return colon > 0 ? e.substring(0, colon).toLowerCase(java.util.Locale.ROOT) : "stdio";
    }

    /** The pool {@code a} names ({@code worker}), checked; the default pool when it names none. */
    private String pool(Method method, MoltOffload a) {
        String pool = a.worker().trim();
        if (pool.isEmpty()) {
            return MoltPools.DEFAULT;
        }
        if (!a.client().isBlank()) {
            throw new IllegalArgumentException("worker = \"" + pool + "\" and client = \"" + a.client()
                    + "\" are both set; choose one");
        }
        if (!pools.contains(pool)) {
            throw new MoltOffloadConfigurationException("@MoltOffload on " + method.getDeclaringClass().getName() + "."
                    + method.getName() + ": unknown worker pool '" + pool + "'; the pools are "
                    + String.join(", ", pools.names()) + ". Declare it with molt.accel.workers." + pool
                    + ".* (for example molt.accel.workers." + pool + ".worker.command) or a @MoltPool(\"" + pool
                    + "\") MoltClient bean", null);
        }
        return pool;
    }

    /**
     * The call's own deadline plus a small margin for the completion hand-off: the client fails the
     * call at its deadline (every attempt, retry and backoff shares it), so nothing needs guessing.
     * Only a call that may wait for a client's very first worker start (no eager start, or a
     * worker per request) may also take the start timeout.
     */
    private static long asyncTimeout(Duration timeout, ClientMode mode, PoolProperties pool, Duration startTimeout) {
        if (timeout.isZero()) {
            return 0;
        }
        boolean mayWaitForFirstStart = !Boolean.TRUE.equals(pool.getEagerStart()) || mode != ClientMode.SHARED;
        return timeout.toMillis() + ASYNC_TIMEOUT_MARGIN_MILLIS
                + (mayWaitForFirstStart ? startTimeout.toMillis() : 0);
    }

    private static boolean flag(MoltOffload.Flag flag, boolean dflt) {
        return switch (flag) {
            case TRUE -> true;
            case FALSE -> false;
            case DEFAULT -> dflt;
        };
    }

    private MoltCancelCheck cancelCheck(MoltOffload a) {
        boolean byName = !a.cancelCheck().isBlank();
        boolean byClass = a.cancelCheckClass() != MoltCancelCheck.class;
        if (byName && byClass) {
            throw new IllegalArgumentException("cancelCheck and cancelCheckClass are both set; choose one");
        }
        if (byClass) {
            return instance(a.cancelCheckClass(), MoltCancelCheck.class);
        }
        if (!byName) {
            return null;
        }
        Object bean = bean(a.cancelCheck(), "cancelCheck");
        if (bean instanceof MoltCancelCheck c) {
            return c;
        }
        if (bean instanceof BooleanSupplier s) {
            return ctx -> s.getAsBoolean();
        }
        throw new IllegalArgumentException("bean '" + a.cancelCheck() + "' (cancelCheck) is a "
                + bean.getClass().getName() + ", not a MoltCancelCheck or BooleanSupplier");
    }

    private <H> H hook(String what, String name, Class<? extends H> type, Class<H> api, Class<?> consumed,
            Function<Consumer<?>, H> adapt) {
        boolean byName = !name.isBlank();
        boolean byClass = type != api;
        if (byName && byClass) {
            throw new IllegalArgumentException(what + " and " + what + "Class are both set; choose one");
        }
        if (byClass) {
            return instance(type, api);
        }
        if (!byName) {
            return null;
        }
        Object bean = bean(name, what);
        if (api.isInstance(bean)) {
            return api.cast(bean);
        }
        if (bean instanceof Consumer<?> c) {
            return adapt.apply(c);
        }
        throw new IllegalArgumentException("bean '" + name + "' (" + what + ") is a " + bean.getClass().getName()
                + ", not a " + api.getSimpleName() + " or Consumer<" + consumed.getSimpleName() + ">");
    }

    // A Consumer bean named as a hook is trusted to accept what the hook sees (its type argument is erased).
    @SuppressWarnings("unchecked")
    private static MoltBeforeSend beforeSendOf(Consumer<?> c) {
        Consumer<RequestEnvelope> consumer = (Consumer<RequestEnvelope>) c;
        return (ctx, request) -> consumer.accept(request);
    }

    @SuppressWarnings("unchecked")
    private static MoltAfterRecv afterRecvOf(Consumer<?> c) {
        Consumer<ResponseEnvelope> consumer = (Consumer<ResponseEnvelope>) c;
        return (ctx, response) -> consumer.accept(response);
    }

    @SuppressWarnings("unchecked")
    private static MoltMetricsHook metricsOf(Consumer<?> c) {
        Consumer<Map<String, Object>> consumer = (Consumer<Map<String, Object>>) c;
        return (ctx, metrics) -> consumer.accept(metrics);
    }

    private Object bean(String name, String what) {
        if (!beanFactory.containsBean(name)) {
            throw new IllegalArgumentException("no bean named '" + name + "' (" + what + ")");
        }
        return beanFactory.getBean(name);
    }

    /** The unique bean of {@code type}, else one instance per class created with autowiring. */
    private <T> T instance(Class<? extends T> type, Class<T> api) {
        if (type == api) {
            return null;
        }
        if (type.isInterface() || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
            throw new IllegalArgumentException(type.getName() + " is not a concrete class");
        }
        Object existing = instances.get(type);
        if (existing != null) {
            return api.cast(existing);
        }
        T bean = beanFactory.getBeanProvider(type).getIfUnique();
        if (bean == null) {
            bean = beanFactory.createBean(type);
        }
        Object previous = instances.putIfAbsent(type, bean);
        return api.cast(previous != null ? previous : bean);
    }

    ReturnShape shape(Method method, boolean decodeResponse) {
        ResolvableType rt = ResolvableType.forMethodReturnType(method);
        Class<?> raw = rt.toClass();
        if (raw.isPrimitive() && raw != void.class) {
            throw new IllegalArgumentException("the return type " + raw + " is primitive; return a reference type");
        }
        boolean mono = MONO != null && MONO.isAssignableFrom(raw);
        if (!mono) {
            for (Class<?> t : unsupportedReturnTypes) {
                if (t.isAssignableFrom(raw)) {
                    throw new IllegalArgumentException("the return type " + raw.getName()
                            + " is not supported; return the body type, ResponseEntity<T> or Mono<T>");
                }
            }
            if (CompletionStage.class.isAssignableFrom(raw) || Future.class.isAssignableFrom(raw)) {
                throw new IllegalArgumentException("the return type " + raw.getName()
                        + " is not supported: the call is already asynchronous; return the body type, ResponseEntity<T> or Mono<T>");
            }
        }
        ResolvableType inner = mono ? rt.as(MONO).getGeneric(0) : rt;
        boolean entity = HTTP_ENTITY != null && HTTP_ENTITY.isAssignableFrom(inner.toClass());
        ResolvableType body = entity ? inner.as(HTTP_ENTITY).getGeneric(0) : inner;
        Class<?> bodyClass = body.resolve(Object.class);
        Type bodyType = body.hasUnresolvableGenerics() || !(body.getType() instanceof Class
                || body.getType() instanceof java.lang.reflect.ParameterizedType) ? bodyClass : body.getType();
        boolean voidBody = bodyClass == void.class || bodyClass == Void.class;
        boolean bytes = bodyClass == byte[].class;
        boolean passThrough = bodyClass == Object.class || bodyClass == Map.class;
        for (Class<?> t : jsonTreeTypes) {
            passThrough |= t.isAssignableFrom(bodyClass);
        }
        if (!decodeResponse && !voidBody && !bytes && !passThrough) {
            log.warn("@MoltOffload on {}.{}: decodeResponse = false writes the result bytes as they came; "
                    + "the declared body type {} is not used", method.getDeclaringClass().getSimpleName(),
                    method.getName(), bodyClass.getSimpleName());
        }
        return new ReturnShape(mono, entity, bodyType, voidBody, bytes, passThrough);
    }

    private void parameters(Method method, OffloadPlan.Builder b) {
        int n = method.getParameterCount();
        String[] names = new String[n];
        List<Integer> payload = new ArrayList<>();
        int bodyLike = -1;
        for (int i = 0; i < n; i++) {
            MethodParameter p = new MethodParameter(method, i);
            p.initParameterNameDiscovery(this.names);
            names[i] = name(p, i);
            Class<?> type = p.getParameterType();
            if (isNonPayload(type)) {
                continue;
            }
            payload.add(i);
            if (hasWebAnnotation(p, "RequestBody") || hasWebAnnotation(p, "ModelAttribute") || type.isRecord()
                    || Map.class.isAssignableFrom(type)) {
                bodyLike = i;
            }
        }
        b.parameterNames = names;
        if (payload.size() == 1 && bodyLike == payload.get(0)) {
            b.singlePayloadIndex = bodyLike;
        } else {
            b.payloadIndexes = payload.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static String name(MethodParameter p, int index) {
        for (Annotation ann : p.getParameterAnnotations()) {
            if (ann.annotationType().getName().startsWith(WEB_BIND)) {
                for (String attribute : new String[] {"name", "value"}) {
                    Object v = AnnotationUtils.getValue(ann, attribute);
                    if (v instanceof String s && !s.isBlank()) {
                        return s;
                    }
                }
            }
        }
        String discovered = p.getParameterName();
        return discovered != null ? discovered : "arg" + index;
    }

    private static boolean hasWebAnnotation(MethodParameter p, String simpleName) {
        for (Annotation ann : p.getParameterAnnotations()) {
            if (ann.annotationType().getName().equals(WEB_BIND + simpleName)) {
                return true;
            }
        }
        return false;
    }

    private boolean isNonPayload(Class<?> type) {
        for (Class<?> t : nonPayloadTypes) {
            if (t.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    private static void loadAll(String[] names, List<Class<?>> into) {
        for (String name : names) {
            Class<?> c = load(name);
            if (c != null) {
                into.add(c);
            }
        }
    }

    private static Class<?> load(String name) {
        ClassLoader cl = OffloadPlanFactory.class.getClassLoader();
        return ClassUtils.isPresent(name, cl) ? ClassUtils.resolveClassName(name, cl) : null;
    }
}
