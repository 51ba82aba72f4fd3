package dev.halfway.log;

import java.io.PrintStream;

/**
 * Where a format's lines go. Each {@link #println} hands over one whole line, and the line reaches
 * its destination whole and in one place: never interleaved with another thread's line, never
 * split between two files (see {@link LogFile}). Implementations are thread-safe.
 */
interface Lines {

    void println(String line);

    /** Pushes buffered lines out. */
    void flush();

    /** The lines of a stream; {@link PrintStream} writes each println under its own lock. */
    static Lines of(PrintStream out) {
        return new Lines() {
            @Override
            public void println(String line) {
                out.println(line);
            }

            @Override
            public void flush() {
                out.flush();
            }
        };
    }
}
