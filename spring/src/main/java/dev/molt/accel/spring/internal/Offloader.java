package dev.molt.accel.spring.internal;

import dev.molt.accel.client.ClientMode;
import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltCancelledException;
import dev.molt.accel.client.MoltClient;
import dev.molt.accel.client.MoltInternalErrorException;
import dev.molt.accel.client.MoltInvalidInputException;
import dev.molt.accel.client.MoltResult;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.PayloadTooLargeException;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.spring.MoltRequestTooLargeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Starts offloaded calls: builds and encodes the payload (encoding stops at the size limit, so a
 * huge value costs about the limit), picks the client and sends. Knows nothing of Spring or HTTP. Thread-safe.
 */
public final class Offloader {

    private final Function<ClientMode, MoltClient> defaultClients;
    private final long maxRequestBytes;
    private final int encodeLimit;
    private volatile CallObserver observer = CallObserver.DIRECT;

    public Offloader(Function<ClientMode, MoltClient> defaultClients, long maxRequestBytes) {
        this.defaultClients = defaultClients;
        this.maxRequestBytes = maxRequestBytes;
        this.encodeLimit = (int) Math.min(maxRequestBytes, Integer.MAX_VALUE - 8);
    }

    /** Makes the calls through {@code observer} from now on (the observation auto-configuration sets it). */
    public void observeWith(CallObserver observer) {
        this.observer = observer == null ? CallObserver.DIRECT : observer;
    }

    /**
     * Sends the call; the future completes with the result or a {@link MoltAccelException}, and
     * cancelling it cancels the call.
     *
     * @throws MoltAccelException when the payload is invalid (no call is made)
     * @throws MoltRequestTooLargeException when the encoded payload is too large (no call is made)
     */
    public CompletableFuture<MoltResult> start(OffloadPlan plan, OffloadContextImpl context) {
        return start(plan, context, null);
    }

    /** {@link #start(OffloadPlan, OffloadContextImpl)} under the caller's observation {@code parent} (or {@code null}). */
    public CompletableFuture<MoltResult> start(OffloadPlan plan, OffloadContextImpl context, Object parent) {
        byte[] payload = encode(plan, context);
        return observer.callAsync(plan, client(plan), payload, plan.options(context), parent);
    }

    /** Sends the call and waits for its result. */
    public MoltResult call(OffloadPlan plan, OffloadContextImpl context) {
        byte[] payload = encode(plan, context);
        return observer.call(plan, client(plan), payload, plan.options(context));
    }

    private MoltClient client(OffloadPlan plan) {
        MoltClient c = plan.client();
        return c != null ? c : defaultClients.apply(plan.mode());
    }

    private byte[] encode(OffloadPlan plan, OffloadContextImpl context) {
        Object payload = plan.payload(context);
        byte[] bytes;
        try {
            bytes = payload instanceof byte[] b ? b : Payloads.encode(plan.codec(), payload, encodeLimit);
        } catch (PayloadTooLargeException e) {
            throw new MoltRequestTooLargeException(maxRequestBytes, -1);
        } catch (PayloadException e) {
            throw new MoltInvalidInputException("Cannot encode the payload of '" + plan.entry() + "': " + e.getMessage(),
                    plan.entry(), 0, e);
        }
        if (bytes.length > maxRequestBytes) {
            throw new MoltRequestTooLargeException(maxRequestBytes, bytes.length);
        }
        return bytes;
    }

    /** The failure behind a completion of a call future, as a Molt failure where it is one. */
    public static Throwable unwrap(Throwable failure, String entry) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CancellationException) {
            return new MoltCancelledException("Call to '" + entry + "' cancelled", entry, 0, t);
        }
        return t;
    }

    /** {@code failure} as a Molt failure: unknown failures become internal errors. */
    public static MoltAccelException asMolt(Throwable failure, String entry) {
        Throwable t = unwrap(failure, entry);
        return t instanceof MoltAccelException m ? m
                : new MoltInternalErrorException("Call to '" + entry + "' failed: " + t, entry, 0, t);
    }
}
