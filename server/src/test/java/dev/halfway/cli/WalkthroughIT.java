package dev.halfway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Debugging a half-closing client" walkthrough, run exactly as written (only the
 * port and the fixture folder are swapped for free ones), so it cannot go stale: the ladder is
 * drawn, and the server's timeline and log tell a half-close, a full close and a reset apart.
 */
class WalkthroughIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theReadmeWalkthroughRunsAndShowsWhatItSays(@TempDir Path tmp) throws Exception {
        List<String> commands = walkthrough();
        assertTrue(commands.size() >= 5, "the walkthrough block: " + commands);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path fixtures = tmp.resolve("hc");
        Path serverOut = tmp.resolve("server.out");
        Path serverErr = tmp.resolve("server.err");
        Process server = null;
        List<String> outputs = new ArrayList<>();
        try {
            for (String command : commands) {
                String line = command.replace("/tmp/hc", fixtures.toString()).replace("8080", Integer.toString(port));
                if (line.endsWith("&")) {
                    server = new ProcessBuilder("bash", "-c", "exec " + line.substring(0, line.length() - 1))
                            .directory(REPO.toFile()).redirectOutput(serverOut.toFile()).redirectError(serverErr.toFile()).start();
                    awaitBanner(serverOut);
                } else if (line.startsWith("kill ")) {
                    server.destroy();
                    assertTrue(server.waitFor(15, TimeUnit.SECONDS));
                    assertEquals(0, server.exitValue(), "the server stops cleanly");
                } else {
                    Process p = new ProcessBuilder("bash", "-c", line).directory(REPO.toFile()).redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(p.waitFor(30, TimeUnit.SECONDS), line);
                    assertEquals(0, p.exitValue(), line + "\n" + out);
                    outputs.add(out);
                }
            }
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
        }
        String ladder = outputs.stream().filter(o -> o.contains("client") && o.contains("server")).findFirst().orElse("");
        assertTrue(ladder.contains("FIN"), "the ladder shows the FINs:\n" + outputs);
        assertTrue(ladder.contains("GET /hc-small.txt HTTP/1.0"), ladder);

        List<String> log = Files.readAllLines(serverOut).stream().filter(l -> l.contains(" outcome=")).toList();
        assertEquals(3, log.size(), String.join("\n", log));
        // The half-close: the client's FIN came right behind its request, before the response
        // (fin=after-request, what the README shows), and the response still arrived whole.
        assertTrue(log.get(0).contains(" fin=after-request "), "the half-closing client's FIN timing: " + log.get(0));
        assertTrue(log.get(0).contains(" outcome=complete "), "the half-closed client got the whole response: " + log.get(0));
        assertTrue(log.get(1).contains("outcome=reset"), "a full close shows when the write fails: " + log.get(1));
        assertTrue(log.get(2).contains("outcome=reset") || log.get(2).contains("outcome=empty"), log.get(2));

        String trace = Files.readString(serverErr);
        assertTrue(trace.contains("accepted") && trace.contains("our FIN") && trace.contains("client FIN"), trace);
        assertTrue(trace.contains("closed  outcome=complete") && trace.contains("closed  outcome=reset"), trace);
    }

    /** The commands between the walkthrough markers of README.md. */
    static List<String> walkthrough() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"));
        int start = lines.indexOf("<!-- walkthrough:start -->");
        int end = lines.indexOf("<!-- walkthrough:end -->");
        assertTrue(start >= 0 && end > start, "README.md has the walkthrough markers");
        return lines.subList(start + 1, end).stream()
                .filter(l -> l.startsWith("java ") || l.startsWith("kill "))
                .toList();
    }

    /** The server's stdout is a file, which has no event to wait on: poll it for the banner. */
    private static void awaitBanner(Path out) throws Exception {
        Await.until(Duration.ofSeconds(15), () -> Files.exists(out) && Files.readString(out).contains(" serving "),
                () -> "the server did not start: " + (Files.exists(out) ? read(out) : "no " + out));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
