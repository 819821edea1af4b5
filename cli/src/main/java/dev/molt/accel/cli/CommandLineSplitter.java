package dev.molt.accel.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line the way a POSIX shell splits words, without running one: white space
 * separates arguments; {@code '...'} quotes everything literally; {@code "..."} quotes with
 * {@code \"} and {@code \\} as the only escapes; outside quotes a backslash takes the next character
 * literally. Adjacent quoted and unquoted parts form one argument ({@code --name="a b"}); {@code ''}
 * is an empty argument. No expansion of variables, globs or {@code ~}.
 *
 * <p>One pass, no regular expression, capped: at most {@value #MAX_CHARS} characters and
 * {@value #MAX_ARGS} arguments. Errors name the problem and its position, never the text (it may
 * hold a secret passed to the worker). Stateless.
 */
final class CommandLineSplitter {

    /** Longest command line accepted (Linux's limit for one argument is 128 KiB). */
    static final int MAX_CHARS = 32 * 1024;
    /** Most arguments accepted. */
    static final int MAX_ARGS = 1024;

    private CommandLineSplitter() {
    }

    /**
     * The arguments of {@code line}.
     *
     * @throws IllegalArgumentException when the line is too long, has too many arguments, ends
     *     inside quotes or after a lone backslash, or has no argument at all
     */
    static List<String> split(String line) {
        if (line.length() > MAX_CHARS) {
            throw new IllegalArgumentException("the command line is longer than " + MAX_CHARS + " characters");
        }
        List<String> args = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inArg = false;
        int n = line.length();
        int i = 0;
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                if (inArg) {
                    add(args, cur);
                    inArg = false;
                }
                i++;
            } else if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated ' quote starting at position " + (i + 1));
                }
                cur.append(line, i + 1, end);
                inArg = true;
                i = end + 1;
            } else if (c == '"') {
                int start = i;
                i++;
                boolean closed = false;
                while (i < n) {
                    char d = line.charAt(i);
                    if (d == '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < n && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                        cur.append(line.charAt(i + 1));
                        i += 2;
                    } else {
                        cur.append(d);
                        i++;
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("unterminated \" quote starting at position " + (start + 1));
                }
                inArg = true;
            } else if (c == '\\') {
                if (i + 1 >= n) {
                    throw new IllegalArgumentException("the command line ends with a lone backslash");
                }
                cur.append(line.charAt(i + 1));
                inArg = true;
                i += 2;
            } else {
                cur.append(c);
                inArg = true;
                i++;
            }
        }
        if (inArg) {
            add(args, cur);
        }
        if (args.isEmpty()) {
            throw new IllegalArgumentException("the command line is empty");
        }
        return args;
    }

    private static void add(List<String> args, StringBuilder cur) {
        if (args.size() == MAX_ARGS) {
            throw new IllegalArgumentException("the command line has more than " + MAX_ARGS + " arguments");
        }
        args.add(cur.toString());
        cur.setLength(0);
    }
}
