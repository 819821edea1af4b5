package dev.molt.accel.spring;

/**
 * Polled every few milliseconds while an offloaded call waits; {@code true} cancels the call (a
 * {@code __cancel__} is sent and the request is answered 499). It may read the request through
 * {@link MoltOffloadContext#nativeRequest(Class)}. Runs on the client's timer thread: must be fast,
 * must not block and must not throw (an exception counts as "not cancelled").
 */
@FunctionalInterface
public interface MoltCancelCheck {

    boolean isCancelled(MoltOffloadContext context);
}
