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
 * @param spares spare workers started, ready and taking no calls
 * @param recycles workers retired by a recycling limit (calls, age, memory) after their replacement was ready
 * @param probeReplacements workers replaced because they missed a health probe's {@code __ping__}
 * @param size worker positions in use now: the pool size, more while an elastic pool has grown; for
 *     endpoints, the addresses found times the connections per endpoint (as {@code MoltClientPool.size()})
 */
public record ClientStats(int workers, int inFlight, long calls, long restarts, long cancels, List<Long> pids,
        String lastFailure, int spares, long recycles, long probeReplacements, int size) {

    public ClientStats {
        pids = List.copyOf(pids);
    }

    /** A snapshot without pool figures (no spares, recycles or probe replacements; size = workers). */
    public ClientStats(int workers, int inFlight, long calls, long restarts, long cancels, List<Long> pids,
            String lastFailure) {
        this(workers, inFlight, calls, restarts, cancels, pids, lastFailure, 0, 0, 0, workers);
    }
}
