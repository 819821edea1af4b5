package dev.molt.accel.worker;

/**
 * The implementation of one export: turns a decoded request into a result.
 *
 * <p>Called on a worker thread, possibly on several threads at once for different requests, so an
 * implementation must be thread-safe. It should check {@link MoltContext#isCancelled()} (or call
 * {@link MoltContext#throwIfCancelled()}) during long work: after a {@code __cancel__} or the
 * request's deadline the worker has already answered, interrupts the thread, and discards any later
 * result; see {@link MoltContext} for what a deadline can and cannot stop.
 *
 * <p>Outcomes: a returned value is encoded with the export's output codec (a returned
 * {@code byte[]} is taken as already encoded in that codec); an {@link IllegalArgumentException}
 * or a {@link dev.molt.accel.protocol.PayloadException} becomes {@code InvalidInput} with its
 * message; a {@link RequestCancelledException} becomes {@code Cancelled} (or {@code Timeout}); any
 * other exception becomes {@code InternalError} with its message.
 *
 * @param <I> request type, as given to {@link Export#of}
 * @param <O> result type
 */
@FunctionalInterface
public interface MoltHandler<I, O> {

    /**
     * Handles one request.
     *
     * @param request the decoded payload; {@code null} when the request carried an empty payload in
     *     a structured codec; the payload bytes themselves when the request type is {@code byte[]}
     * @param ctx this request's context, valid until the method returns
     * @return the result; {@code null} encodes as the codec's null value
     * @throws Exception mapped to a response status as described above
     */
    O handle(I request, MoltContext ctx) throws Exception;
}
