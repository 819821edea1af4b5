package dev.molt.accel.example.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small application on the starter: {@code POST /words} runs on the application's own Java
 * worker ({@code molt.accel.worker.main-class}), {@code GET /compute} on a Python worker pool
 * ({@code molt.accel.workers.py.*}); see {@code application.properties}.
 */
@SpringBootApplication
public class ExampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }
}
