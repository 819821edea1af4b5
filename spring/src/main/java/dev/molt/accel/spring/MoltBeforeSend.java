package dev.molt.accel.spring;

import dev.molt.accel.protocol.RequestEnvelope;

/**
 * Sees each request envelope of an offloaded call just before it is sent. Runs on the sending
 * thread; must be fast and must not throw (an exception is logged and ignored).
 */
@FunctionalInterface
public interface MoltBeforeSend {

    void beforeSend(MoltOffloadContext context, RequestEnvelope request);
}
