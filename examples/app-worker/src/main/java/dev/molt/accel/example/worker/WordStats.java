package dev.molt.accel.example.worker;

import java.util.List;

/**
 * The answer of {@code word_stats}. Shared by the worker (its result) and the application (the
 * endpoint's return type, converted from the worker's msgpack answer). Immutable.
 *
 * @param words number of words in the text
 * @param distinct number of different words (case-insensitive)
 * @param top the most frequent words, most frequent first, ties in alphabetical order
 */
public record WordStats(int words, int distinct, List<WordCount> top) {

    public WordStats {
        top = List.copyOf(top);
    }

    /** One word and how often it occurs. */
    public record WordCount(String word, int count) {
    }
}
