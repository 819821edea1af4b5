package dev.molt.accel.cli;

import dev.molt.accel.protocol.Codec;
import dev.molt.accel.protocol.Wire;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** picocli converters whose messages name the accepted values. */
final class Converters {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min)?");

    private static final int MAX_DURATION_CHARS = 32;

    private Converters() {
    }

    static final class WireConverter implements CommandLine.ITypeConverter<Wire> {
        @Override
        public Wire convert(String value) {
            try {
                return Wire.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class CodecConverter implements CommandLine.ITypeConverter<Codec> {
        @Override
        public Codec convert(String value) {
            Codec c = Codec.lookup(value == null ? null : value.trim().toLowerCase(Locale.ROOT));
            if (c == null) {
                throw new CommandLine.TypeConversionException(
                        "Unknown codec '" + value + "': expected msgpack, json, raw or arrow_ipc");
            }
            return c;
        }
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}; a bare number is seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String text = value.trim().toLowerCase(Locale.ROOT);
            // a duration is a few characters; the cap keeps the pattern's work constant
            Matcher m = text.length() <= MAX_DURATION_CHARS ? DURATION.matcher(text) : null;
            if (m == null || !m.matches()) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a duration: expected e.g. 500ms, 10s or 2m");
            }
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                default -> n * 60_000;
            };
            return Duration.ofNanos((long) (millis * 1_000_000));
        }
    }
}
