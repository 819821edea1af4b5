package dev.molt.accel.demo;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.TomcatContextCustomizer;

/**
 * Tomcat's error report for requests refused before they reach the application (a request line or
 * headers over {@code server.max-http-request-header-size}, a malformed request line, a body read
 * timeout): the demo's {@code {"error","detail"}} JSON body instead of Tomcat's HTML page, so every
 * refusal an HTTP client sees has the same shape. Answers the application already wrote are left
 * alone. Thread-safe (stateless).
 */
public final class ContainerErrorValve extends ErrorReportValve {

    /** Installs the valve on the host of the application's context, before the host starts. */
    public static TomcatContextCustomizer installer() {
        return context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ContainerErrorValve.class.getName());
            }
        };
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String body = body(status);
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response cannot take a body: nothing more to tell it
        }
    }

    static String body(int status) {
        return switch (status) {
            case 400, 431 -> "{\"error\":\"MoltInvalidInput\",\"detail\":\"The request line or headers could not be read.\"}";
            case 408 -> "{\"error\":\"MoltTimeout\",\"detail\":\"The request was not received in time.\"}";
            case 413 -> "{\"error\":\"MoltPayloadTooLarge\",\"detail\":\"The request is too large.\"}";
            default -> "{\"error\":\"HttpError\",\"detail\":\"The request was refused (HTTP " + status + ").\"}";
        };
    }
}
