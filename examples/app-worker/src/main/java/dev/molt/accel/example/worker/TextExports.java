package dev.molt.accel.example.worker;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.worker.Export;
import dev.molt.accel.worker.MoltContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The exports of the example worker. Handlers run on the worker's threads, several at once, so they
 * keep no state between calls. Not instantiable.
 */
public final class TextExports {

    /** Longest text accepted, in characters; the application's max-request-size bounds it first. */
    static final int MAX_TEXT = 1 << 20;

    private TextExports() {
    }

    /** {@code word_stats}: msgpack in ({@link TextRequest}), msgpack out ({@link WordStats}). */
    public static Export wordStats() {
        return Export.of("word_stats", Codec.MSGPACK, Codec.MSGPACK, TextRequest.class, TextExports::wordStats)
                .withSample(Map.of("text", "the quick brown fox jumps over the lazy dog", "top", 3));
    }

    static WordStats wordStats(TextRequest req, MoltContext ctx) {
        // ctx.reject(...) is the worker's InvalidInput with a message safe to show: the application
        // answers 400 with it as the detail (an IllegalArgumentException would keep it private)
        if (req == null || req.text() == null || req.text().isBlank()) {
            throw ctx.reject("text is required");
        }
        if (req.text().length() > MAX_TEXT) {
            throw ctx.reject("text is longer than " + MAX_TEXT + " characters");
        }
        int top = req.top() == null ? 10 : req.top();
        if (top < 1 || top > 100) {
            throw ctx.reject("top must be within 1..100");
        }
        String text = req.text();
        Map<String, Integer> counts = new HashMap<>();
        int words = 0;
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            if ((i & 0xFFFF) == 0) {
                ctx.throwIfCancelled(); // deadline passed or __cancel__: stop the loop, the answer is already sent
            }
            boolean letter = i < text.length() && Character.isLetterOrDigit(text.charAt(i));
            if (letter && start < 0) {
                start = i;
            } else if (!letter && start >= 0) {
                counts.merge(text.substring(start, i).toLowerCase(Locale.ROOT), 1, Integer::sum);
                words++;
                start = -1;
            }
        }
        List<WordStats.WordCount> list = new ArrayList<>(counts.size());
        counts.forEach((w, c) -> list.add(new WordStats.WordCount(w, c)));
        list.sort(Comparator.comparingInt(WordStats.WordCount::count).reversed().thenComparing(WordStats.WordCount::word));
        // worker-side metrics travel back with the answer (the application's metrics hook sees them)
        ctx.putMetric("words", words);
        return new WordStats(words, counts.size(), list.subList(0, Math.min(top, list.size())));
    }
}
