package dev.halfway.log;

import dev.halfway.conn.AccessRecord;
import java.io.PrintStream;

/** Where each connection's one line goes. Implementations are thread-safe. */
@FunctionalInterface
public interface AccessLog {

    void log(AccessRecord record);

    /** Pushes buffered lines out; the server calls it often, and when it stops. */
    default void flush() {
    }

    /** The log the {@code --access-log} option names, writing to {@code out}. */
    static AccessLog of(LogFormat format, PrintStream out) {
        return writing(format, Lines.of(out));
    }

    /** The log the {@code --access-log} option names, writing to {@code --access-log-file}. */
    static AccessLog of(LogFormat format, LogFile file) {
        return writing(format, file);
    }

    private static AccessLog writing(LogFormat format, Lines out) {
        return switch (format) {
            case CLF -> new CommonLogFormat(out);
            case JSON -> new JsonLines(out);
            case OFF -> record -> { };
        };
    }
}
