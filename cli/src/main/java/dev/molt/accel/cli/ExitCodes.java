package dev.molt.accel.cli;

import dev.molt.accel.client.MoltAccelException;
import dev.molt.accel.client.MoltErrorCode;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Exit codes of {@code molt-accel}, one per failure kind, and the handlers that print failures as
 * one line on stderr (never a stack trace, except with {@code --verbose} for unexpected errors).
 */
final class ExitCodes {

    static final int OK = 0;
    static final int UNEXPECTED = 1;
    static final int USAGE = 2;
    static final int INVALID_INPUT = 3;
    static final int BUSY = 4;
    static final int TIMEOUT = 5;
    static final int CANCELLED = 6;
    static final int INTERNAL_ERROR = 7;
    static final int PROTOCOL_ERROR = 8;
    static final int WORKER_UNAVAILABLE = 9;

    private ExitCodes() {
    }

    /** The exit code for a failed call, by its error code (PROTOCOL.md section 11). */
    static int of(MoltAccelException e) {
        return of(e.errorCode());
    }

    /** The exit code for an error code such as {@code MoltBusy}. */
    static int of(String errorCode) {
        MoltErrorCode code = MoltErrorCode.fromCode(errorCode);
        if (code == null) {
            return UNEXPECTED;
        }
        return switch (code) {
            case INVALID_INPUT -> INVALID_INPUT;
            case BUSY -> BUSY;
            case TIMEOUT -> TIMEOUT;
            case CANCELLED -> CANCELLED;
            case INTERNAL_ERROR -> INTERNAL_ERROR;
            case PROTOCOL_ERROR -> PROTOCOL_ERROR;
            case WORKER_UNAVAILABLE -> WORKER_UNAVAILABLE;
        };
    }

    /** Prints {@code <ErrorCode>: <message>} on stderr and returns the matching exit code. */
    static int report(CommandLine cl, MoltAccelException e) {
        PrintWriter err = cl.getErr();
        err.println(e.errorCode() + ": " + e.getMessage());
        err.flush();
        return of(e);
    }

    /** Bad command line or input: the message and a hint, no usage dump, exit code 2. */
    static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("molt-accel: " + ex.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return USAGE;
    }

    /** Failures escaping a subcommand: mapped to an error code line, never a stack trace by default. */
    static int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        if (ex instanceof MoltAccelException m) {
            return report(cl, m);
        }
        if (ex instanceof CommandLine.ParameterException p) {
            return handleParameterException(p, parseResult.originalArgs().toArray(String[]::new));
        }
        PrintWriter err = cl.getErr();
        err.println("molt-accel: unexpected failure: " + ex);
        Object top = cl.getCommandSpec().root().userObject();
        if (top instanceof MoltAccelCli cli && cli.verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return UNEXPECTED;
    }
}
