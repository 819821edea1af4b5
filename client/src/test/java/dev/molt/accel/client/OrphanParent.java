package dev.molt.accel.client;

import java.time.Duration;

/**
 * A parent process for {@link ParentDeathTest}: starts a test worker, prints its pid, then waits
 * to be killed.
 */
public final class OrphanParent {

    private OrphanParent() {
    }

    public static void main(String[] args) throws InterruptedException {
        MoltClient client = TestWorkers.testWorker().startTimeout(Duration.ofSeconds(60)).build();
        client.start();
        System.out.println("worker-pid " + client.stats().pids().get(0));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
