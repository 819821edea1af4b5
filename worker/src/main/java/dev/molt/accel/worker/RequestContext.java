package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.RequestEnvelope;

/**
 * What every {@link MoltContext} of this worker says of its request alone: its id, entry and
 * codecs. A subclass adds deadlines, cancellation and metrics. The fields are immutable; the
 * subclass states its own thread-safety.
 */
abstract class RequestContext implements MoltContext {

    final RequestEnvelope request;
    final Codec responseCodec;

    RequestContext(RequestEnvelope request, Codec responseCodec) {
        this.request = request;
        this.responseCodec = responseCodec;
    }

    @Override
    public final long requestId() {
        return request.requestId();
    }

    @Override
    public final String entry() {
        return request.entry();
    }

    @Override
    public final Codec requestCodec() {
        return request.codec();
    }

    @Override
    public final Codec responseCodec() {
        return responseCodec;
    }
}
