package dev.molt.accel.test.example;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.worker.Export;
import dev.molt.accel.worker.MoltWorker;
import java.util.concurrent.TimeUnit;

/**
 * The exports of the example's worker: what its {@code main} would pass to
 * {@code MoltWorker.runAndExit(args, WordsExports::configure)}, and what the in-process worker of
 * the tests serves.
 */
public final class WordsExports {

    record Slow(long ms) {
    }

    record Order(int quantity) {
    }

    private WordsExports() {
    }

    public static void main(String[] args) {
        MoltWorker.runAndExit(args, WordsExports::configure);
    }

    public static void configure(MoltWorker.Builder builder) {
        builder.export(Export.of("count_words", Codec.MSGPACK, Codec.MSGPACK, WordsApplication.WordsRequest.class,
                (request, ctx) -> new WordsApplication.WordsResponse(count(request.text()))));
        // the starter sends the named arguments of the method ({"ms": 1000}): a record receives them
        builder.export(Export.of("slow_words", Codec.MSGPACK, Codec.MSGPACK, Slow.class, (args, ctx) -> {
            TimeUnit.MILLISECONDS.sleep(args.ms()); // the deadline interrupts the sleep
            return new WordsApplication.WordsResponse((int) args.ms());
        }));
        builder.export(Export.of("order", Codec.MSGPACK, Codec.MSGPACK, Order.class, (args, ctx) -> {
            if (args.quantity() <= 0) {
                throw ctx.reject("quantity must be positive, got " + args.quantity()); // shown in the 400
            }
            return new WordsApplication.WordsResponse(args.quantity());
        }));
    }

    private static int count(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; text != null && i < text.length(); i++) {
            boolean letter = !Character.isWhitespace(text.charAt(i));
            if (letter && !inWord) {
                words++;
            }
            inWord = letter;
        }
        return words;
    }
}
