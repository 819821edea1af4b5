package dev.molt.accel.client;

import java.util.List;

/**
 * A snapshot of a client's state.
 *
 * @param workers worker processes taking calls now
 * @param inFlight calls sent and not yet answered
 * @param calls calls started since the client was built
 * @param restarts worker processes started to replace another (the first start is not counted)
 * @param cancels calls cancelled by the caller ({@code Future.cancel}), an interrupt or a cancel check;
 *     timeouts are not counted here
 * @param pids process ids of the workers taking calls
 * @param lastFailure the most recent reason a worker was replaced or failed to start, or {@code null}
 */
public record ClientStats(int workers, int inFlight, long calls, long restarts, long cancels, List<Long> pids,
        String lastFailure) {

    public ClientStats {
        pids = List.copyOf(pids);
    }
}
