package dev.molt.accel.spring;

import dev.molt.accel.protocol.ResponseEnvelope;

/**
 * Sees each response envelope answering an offloaded call. Runs on the worker's reader thread; must
 * be fast and must not throw (an exception is logged and ignored).
 */
@FunctionalInterface
public interface MoltAfterRecv {

    void afterRecv(MoltOffloadContext context, ResponseEnvelope response);
}
