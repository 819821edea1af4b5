package dev.molt.accel.demo.reliability;

import java.io.IOException;

/** Sends POSIX signals to processes of this test, with kill(1). */
final class Signals {

    private Signals() {
    }

    static void send(long pid, String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    static void sendQuietly(long pid, String signal) {
        try {
            send(pid, signal);
        } catch (IOException e) {
            // the process is gone already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
