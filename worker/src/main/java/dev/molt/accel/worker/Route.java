package dev.molt.accel.worker;

import dev.molt.accel.protocol.Codec;

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
}
