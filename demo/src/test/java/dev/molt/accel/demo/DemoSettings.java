package dev.molt.accel.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Settings of the demo's own {@code application.properties}, for tests that count what it starts. */
public final class DemoSettings {

    private DemoSettings() {
    }

    /** {@code molt.accel.spare-workers} of the demo (0 when it sets none). */
    public static int spareWorkers() {
        Properties p = new Properties();
        try (InputStream in = DemoSettings.class.getResourceAsStream("/application.properties")) {
            if (in == null) {
                throw new IllegalStateException("the demo's application.properties is not on the class path");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Integer.parseInt(p.getProperty("molt.accel.spare-workers", "0").trim());
    }
}
