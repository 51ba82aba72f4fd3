package dev.halfway.client;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@link ClientMain#run} in-process and keeps what it printed and how long it took. */
final class Cli {
    private Cli() {}

    record Run(int exit, byte[] outBytes, String err, long millis) {
        String out() {
            return new String(outBytes, StandardCharsets.ISO_8859_1);
        }

        /** For assertion messages: everything the command said. */
        String said() {
            return "exit=" + exit + " after " + millis + " ms\n--- stdout (" + outBytes.length + " bytes) ---\n"
                    + (outBytes.length > 2000 ? out().substring(0, 2000) + "..." : out()) + "\n--- stderr ---\n" + err;
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.ISO_8859_1);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = ClientMain.run(args, o, e);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8), millis);
    }
}
