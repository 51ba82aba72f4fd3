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

    @Test
    void halfwayPassesTheDefaultSuite() throws Exception {
        Fixtures.make(root);
        try (TestServer server = new TestServer(root)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = ClientMain.run(new String[] {"regress", "--target", "127.0.0.1:" + server.port()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String report = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, () -> report + err.toString(StandardCharsets.UTF_8));
            assertTrue(report.matches("(?s).*\\n(\\d+) passed, 0 failed\\n$"), report);
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
