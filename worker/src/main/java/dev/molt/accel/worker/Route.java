package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.PayloadException;
import dev.molt.accel.protocol.Payloads;
import dev.molt.accel.protocol.RequestEnvelope;

/**
 * An entry as served: the codecs callers must use (from the manifest when it lists the entry, else
 * from the export) and the implementation, if any. Immutable.
 *
 * @param codecIn accepted request codec, {@code null} for any
 * @param codecOut response codec, {@code null} for the request's codec
 * @param export the implementation
 */
record Route(String name, Codec codecIn, Codec codecOut, Export export) {

    Route {
        java.util.Objects.requireNonNull(export, "export");
    }

    Codec responseCodec(Codec requestCodec) {
        return codecOut != null ? codecOut : requestCodec;
    }

    /** The codec a {@code byte[]} result of the export is already encoded in. */
    Codec declaredResultCodec(Codec requestCodec) {
        Codec declared = export.codecOut();
        return declared != null ? declared : requestCodec;
    }

    /**
     * The handler's input from the request's payload (of an export that takes no raw bytes):
     * {@code null} for an empty payload of a structured codec.
     *
     * @throws PayloadException when the payload does not decode to the export's request type
     */
    Object decodeInput(RequestEnvelope request) {
        byte[] payload = request.payload();
        Codec codec = request.codec();
        if (payload.length == 0 && !codec.isOpaque()) {
            return null;
        }
        return Payloads.decode(codec, payload, export.requestType());
    }

    /**
     * The payload of a handler's result in {@code responseCodec}: a {@code byte[]} result is sent
     * as it is when it is already in that codec, else transcoded; any other result is encoded.
     *
     * @throws PayloadException when the result cannot be encoded or transcoded
     */
    byte[] encodeResult(Object result, Codec requestCodec, Codec responseCodec) {
        if (result instanceof byte[] bytes) {
            Codec declared = declaredResultCodec(requestCodec);
            return declared == responseCodec ? bytes : Payloads.transcode(bytes, declared, responseCodec);
        }
        return Payloads.encode(responseCodec, result);
    }
}
