package dev.molt.accel.example.worker;

/**
 * The request of {@code word_stats}: the text and how many of its most frequent words to return.
 * Shared by the application (its request body) and the worker (the decoded payload). Immutable.
 *
 * @param text the text; required
 * @param top how many words to list, 1..100; absent (null) means 10
 */
public record TextRequest(String text, Integer top) {
}
