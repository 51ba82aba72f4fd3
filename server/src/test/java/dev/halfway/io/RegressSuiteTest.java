package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.client.ClientMain;
import dev.halfway.client.Fixtures;
import dev.halfway.conn.AccessRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** halfway passes the whole built-in half-close regression suite of halfway-client. */
class RegressSuiteTest {
    @TempDir
    Path root;

    /** The suite on a site with none of its fixtures: the files named by option, under a prefix. */
    @Test
    void halfwayPassesTheSuiteOnItsOwnFilesUnderAPrefix() throws Exception {
        Path site = java.nio.file.Files.createDirectories(root.resolve("site/files"));
        java.nio.file.Files.writeString(root.resolve("site/index.html"), "<h1>a site</h1>\n");
        java.nio.file.Files.writeString(site.resolve("notes.txt"), "notes\n");
        byte[] big = new byte[3 << 20];
        new java.util.Random(3).nextBytes(big);
        java.nio.file.Files.write(root.resolve("site/big.bin"), big);
        try (TestServer server = new TestServer(root)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = ClientMain.run(new String[] {"regress", "--target", "http://127.0.0.1:" + server.port() + "/site/", "--strict",
                            "--small", "index.html", "--large", "big.bin", "--dir", "files"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String report = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, () -> report + err.toString(StandardCharsets.UTF_8));
            assertTrue(report.matches("(?s).*\\nstrict: \\d+ passed, 0 failed\\n(\\d+) passed, 0 failed, 0 skipped\\n$"), report);
            assertTrue(report.lines().filter(l -> l.startsWith("PASS ")).count() >= 30, report);
        }
    }

    @Test
    void halfwayPassesTheDefaultSuite() throws Exception {
        Fixtures.make(root);
        try (TestServer server = new TestServer(root)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = ClientMain.run(new String[] {"regress", "--target", "127.0.0.1:" + server.port(), "--strict"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String report = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, () -> report + err.toString(StandardCharsets.UTF_8));
            assertTrue(report.matches("(?s).*\\nstrict: \\d+ passed, 0 failed\\n(\\d+) passed, 0 failed, 0 skipped\\n$"), report);
            assertTrue(report.lines().filter(l -> l.startsWith("PASS ")).count() >= 25, report);

            // The server saw every connection through to an access-log line, none an error. (Ports
            // are not unique here: a client port can be reused at once when the server closed
            // first, so one-line-per-connection is checked by the socket tests that count.)
            int lines = 0;
            AccessRecord r;
            while ((r = server.pollRecord()) != null) {
                lines++;
                assertTrue(r.outcome() != dev.halfway.conn.Outcome.ERROR, "no server-side errors: " + r);
            }
            assertTrue(lines > 100, "every client connection was logged: " + lines);
        }
    }
}
