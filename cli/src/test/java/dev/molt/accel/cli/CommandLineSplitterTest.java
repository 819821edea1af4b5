package dev.molt.accel.cli;

import static dev.molt.accel.cli.CommandLineSplitter.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineSplitterTest {

    @Test
    void splitsLikeAShellWithoutExpanding() {
        assertThat(split("  molt-worker   --stdio\t--threads 4 ")).containsExactly("molt-worker", "--stdio", "--threads", "4");
        assertThat(split("java -cp 'a b:c' Main")).containsExactly("java", "-cp", "a b:c", "Main");
        assertThat(split("w --name=\"a \\\"b\\\" \\\\ c\" x")).containsExactly("w", "--name=a \"b\" \\ c", "x");
        assertThat(split("w \"keep \\n and \\$\"")).containsExactly("w", "keep \\n and \\$");
        assertThat(split("w 'it'\\''s' a\\ b")).containsExactly("w", "it's", "a b");
        assertThat(split("w '' \"\" x")).containsExactly("w", "", "", "x");
        assertThat(split("w $HOME ~ *")).containsExactly("w", "$HOME", "~", "*");
    }

    @Test
    void malformedLinesAreErrorsNamingThePositionNotTheText() {
        assertThatThrownBy(() -> split("w 'open")).hasMessage("unterminated ' quote starting at position 3");
        assertThatThrownBy(() -> split("w \"open \\\"")).hasMessage("unterminated \" quote starting at position 3");
        assertThatThrownBy(() -> split("w x\\")).hasMessage("the command line ends with a lone backslash");
        assertThatThrownBy(() -> split("   ")).hasMessage("the command line is empty");
    }

    @Test
    void capsLengthAndArgumentsAndStaysLinear() {
        assertThatThrownBy(() -> split("x".repeat(CommandLineSplitter.MAX_CHARS + 1)))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> split("a ".repeat(CommandLineSplitter.MAX_ARGS + 1)))
                .hasMessageContaining("more than " + CommandLineSplitter.MAX_ARGS + " arguments");
        assertThat(split("a ".repeat(CommandLineSplitter.MAX_ARGS))).hasSize(CommandLineSplitter.MAX_ARGS);
        // worst cases for a splitter that backtracks or rescans: long runs of escapes and quote pairs
        List<String> hostile = List.of("\"" + "\\\"".repeat(16_000) + "\"", "\\a".repeat(16_000), "''".repeat(16_000),
                "'" + "x".repeat(32_000) + "'");
        long t0 = System.nanoTime();
        for (int round = 0; round < 20; round++) {
            for (String h : hostile) {
                assertThat(split(h)).hasSize(1);
            }
        }
        assertThat((System.nanoTime() - t0) / 1_000_000).as("80 splits of 32 K characters, ms").isLessThan(5_000);
    }
}
