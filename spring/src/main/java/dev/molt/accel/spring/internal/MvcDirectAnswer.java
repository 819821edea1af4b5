package dev.molt.accel.spring.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answer of one offloaded MVC request while it is in async processing: either written directly
 * (a pass-through answer: the worker's bytes, untouched) and the request completed without a second
 * pass through the filters and the {@code DispatcherServlet}; or handed to Spring (a
 * {@code DeferredResult} result and its async dispatch) for everything else: values to convert,
 * failures, fallbacks, time-outs. A direct answer smaller than the response buffer is copied into it
 * on the completing thread (no socket I/O, so it cannot block) and sent by the container thread that
 * completes the request; a larger one is written by a container thread ({@link AsyncContext#start}),
 * as a blocking write to a slow client must not hold the client library's threads.
 *
 * <p>Exactly one of the two happens: whichever claims the answer first. The response is the one of
 * the async context (Spring's wrapper), which refuses writes once the request completed or failed,
 * so a late write can never reach a recycled response. Thread-safe.
 */
final class MvcDirectAnswer {

    private static final Logger log = LoggerFactory.getLogger(MvcDirectAnswer.class);

    private static final int OPEN = 0;
    private static final int DIRECT = 1;
    private static final int SPRING = 2;

    /** Spring's own async response wrapper: it passes writes through (and refuses them once unusable). */
    private static final Class<?> SPRING_ASYNC_RESPONSE = load("org.springframework.web.context.request.async."
            + "StandardServletAsyncWebRequest$LifecycleHttpServletResponse");

    private final AtomicInteger state = new AtomicInteger(OPEN);

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, MvcDirectAnswer.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** MockMvc's async context: its tests take the answer from the async result ({@code asyncDispatch}). */
    private static final Class<?> MOCK_ASYNC_CONTEXT = load("org.springframework.mock.web.MockAsyncContext");

    /**
     * The async context of {@code request} when a direct answer may complete it, else {@code null}:
     * async not started, MockMvc, or a response wrapped by a filter.
     */
    static AsyncContext contextFor(HttpServletRequest request) {
        if (!request.isAsyncStarted()) {
            return null;
        }
        AsyncContext async = request.getAsyncContext();
        boolean mock = MOCK_ASYNC_CONTEXT != null && MOCK_ASYNC_CONTEXT.isInstance(async);
        return mock || !writesReachTheContainer(async.getResponse()) ? null : async;
    }

    /**
     * Whether bytes written to {@code response} reach the container unchanged: no wrapper but
     * Spring's async one. A filter's wrapper (an ETag or caching filter buffering the body until its
     * own async pass, say) would never see that pass, so such requests keep the dispatch.
     */
    private static boolean writesReachTheContainer(ServletResponse response) {
        ServletResponse r = response;
        while (r instanceof ServletResponseWrapper w) {
            if (w.getClass() != SPRING_ASYNC_RESPONSE) {
                return false;
            }
            r = w.getResponse();
        }
        return true;
    }

    /**
     * Claims the answer for Spring's ordinary path (a time-out, an error, a failed call or a value).
     *
     * @return false when a direct write already has it
     */
    boolean claimForSpring() {
        return state.compareAndSet(OPEN, SPRING) || state.get() == SPRING;
    }

    /**
     * Writes {@code bytes} and completes the request on a container thread.
     *
     * @return false when the answer is not ours to write (Spring's path has it, or the container
     *     cannot start the write): the caller hands it to Spring
     */
    boolean write(AsyncContext async, ResponseDecision.Bytes bytes) {
        if (!state.compareAndSet(OPEN, DIRECT)) {
            return false;
        }
        try {
            if (bytes.bytes().length < async.getResponse().getBufferSize()) {
                // it fits the response buffer: copied there here, sent by the container thread that completes
                writeAndComplete(async, bytes);
            } else {
                // a write that reaches the socket may block on a slow client: a container thread does it
                async.start(() -> writeAndComplete(async, bytes));
            }
            return true;
        } catch (IllegalStateException e) {
            // the request completed or failed in between: nothing to write, and nobody else will
            log.debug("Offloaded answer not written: {}", e.toString());
            return true;
        }
    }

    private static void writeAndComplete(AsyncContext async, ResponseDecision.Bytes bytes) {
        try {
            HttpServletResponse response = (HttpServletResponse) async.getResponse();
            response.setContentType(bytes.contentType());
            response.setContentLength(bytes.bytes().length);
            response.getOutputStream().write(bytes.bytes());
        } catch (IOException | IllegalStateException e) {
            // the client went away, or the request ended (time-out, error): nothing more to do for it
            log.debug("Offloaded answer not written: {}", e.toString());
        } finally {
            try {
                async.complete();
            } catch (IllegalStateException e) {
                log.debug("Offloaded request already completed: {}", e.toString());
            }
        }
    }
}
