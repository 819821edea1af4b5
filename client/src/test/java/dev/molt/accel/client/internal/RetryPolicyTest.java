package dev.molt.accel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.accel.client.internal.RetryPolicy.Action;
import dev.molt.accel.client.internal.RetryPolicy.Decision;
import dev.molt.accel.client.internal.RetryPolicy.Failure;
import dev.molt.accel.client.internal.RetryPolicy.Options;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The retry policy as the pure function it is: no process, no clock. */
class RetryPolicyTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long NONE = RetryPolicy.NO_DEADLINE;

    private static Options options(boolean idempotent, boolean onBusy, boolean onTimeout, int maxRetries) {
        return new Options(idempotent, onBusy, onTimeout, maxRetries, 10 * MS, 200 * MS, 1, false);
    }

    @Test
    void busyIsRetriedWithDoublingBackoffCappedAtTheMaximum() {
        Options o = options(false, true, false, 10);
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 0, 0, NONE, false)).isEqualTo(new Decision(Action.RETRY, 10 * MS));
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 1, 0, NONE, false)).isEqualTo(new Decision(Action.RETRY, 20 * MS));
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 4, 0, NONE, false)).isEqualTo(new Decision(Action.RETRY, 160 * MS));
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 5, 0, NONE, false)).isEqualTo(new Decision(Action.RETRY, 200 * MS));
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 9, 0, NONE, false).delayNanos()).isEqualTo(200 * MS);
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 10, 0, NONE, false).action()).isEqualTo(Action.FAIL);
    }

    @Test
    void busyIsNotRetriedUnlessAsked() {
        assertThat(RetryPolicy.decide(Failure.BUSY, options(true, false, true, 5), 0, 0, NONE, false).action())
                .isEqualTo(Action.FAIL);
    }

    @Test
    void timeoutIsRetriedOnlyForIdempotentCallsThatAskForIt() {
        assertThat(RetryPolicy.decide(Failure.TIMEOUT, options(true, false, true, 2), 0, 0, NONE, false).action())
                .isEqualTo(Action.RETRY);
        assertThat(RetryPolicy.decide(Failure.TIMEOUT, options(false, false, true, 2), 0, 0, NONE, false).action())
                .isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.TIMEOUT, options(true, true, false, 2), 0, 0, NONE, false).action())
                .isEqualTo(Action.FAIL);
    }

    @Test
    void noRetryStartsAtOrPastTheDeadline() {
        Options o = options(true, true, true, 5);
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 0, 0, 11 * MS, false)).isEqualTo(new Decision(Action.RETRY, 10 * MS));
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 0, 0, 10 * MS, false).action()).isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 0, 0, 5 * MS, false).action()).isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.TIMEOUT, o, 0, 0, 0, false).action()).isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.WORKER_LOST, o, 0, 0, 0, false).action()).isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.WORKER_LOST, o, 0, 0, -3 * MS, false).action()).isEqualTo(Action.FAIL);
    }

    @Test
    void aLostWorkerMeansAResendForIdempotentCallsWithRestartsLeft() {
        assertThat(RetryPolicy.decide(Failure.WORKER_LOST, options(true, false, false, 0), 0, 0, NONE, false))
                .isEqualTo(new Decision(Action.RESEND, 0));
        assertThat(RetryPolicy.decide(Failure.WORKER_LOST, options(true, false, false, 0), 0, 1, NONE, false).action())
                .isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.WORKER_LOST, options(false, true, true, 5), 0, 0, NONE, false).action())
                .isEqualTo(Action.FAIL);
    }

    @Test
    void otherFailuresPinnedCallsAndAClosingClientNeverRetry() {
        Options o = options(true, true, true, 5);
        assertThat(RetryPolicy.decide(Failure.OTHER, o, 0, 0, NONE, false).action()).isEqualTo(Action.FAIL);
        assertThat(RetryPolicy.decide(Failure.BUSY, o, 0, 0, NONE, true).action()).isEqualTo(Action.FAIL);
        Options pinned = new Options(true, true, true, 5, 0, 0, 1, true);
        assertThat(RetryPolicy.decide(Failure.WORKER_LOST, pinned, 0, 0, NONE, false).action()).isEqualTo(Action.FAIL);
    }

    @Test
    void backoffNeverOverflows() {
        assertThat(RetryPolicy.backoff(Long.MAX_VALUE / 2, Long.MAX_VALUE, 62)).isEqualTo(Long.MAX_VALUE);
        assertThat(RetryPolicy.backoff(1, 5, Integer.MAX_VALUE)).isEqualTo(5);
        assertThat(RetryPolicy.backoff(0, 5, 3)).isZero();
    }
}
