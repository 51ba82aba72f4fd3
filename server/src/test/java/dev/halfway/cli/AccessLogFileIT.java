package dev.halfway.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.testing.Await;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --access-log-file} and SIGHUP with the packaged jar, as logrotate uses them: rename the
 * file, {@code kill -HUP}, and the server goes on in a new file while the renamed one keeps
 * exactly the lines from before. Also a SIGHUP that cannot reopen (the directory is gone), and a
 * SIGHUP without a log file, which must not stop the server. Runs in Maven's integration-test
 * phase, after the jar is built.
 */
class AccessLogFileIT {
    private static final Path JAR = Path.of("target", "halfway-server.jar");
    private static final Path WWW = Path.of("..", "www");
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String STOPPING = "halfway-server: stopping; draining for up to ";

    /** The test's directory by its real path, the one /proc shows for the files the server has open. */
    private Path dir;

    @BeforeEach
    void realDirectory(@TempDir Path tempDir) throws IOException {
        dir = tempDir.toRealPath();
    }

    @Test
    void mvThenSighupGoesOnInANewFileAndTheRenamedOneKeepsTheLinesFromBefore() throws Exception {
        Path log = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        Process p = start("--access-log-file", log.toString());
        try {
            int port = port();
            get(port, "/?before-rotation");
            awaitLine(log, "/?before-rotation");

            Files.move(log, rotated);
            hangUp(p);
            awaitReopened(p, log, rotated);
            get(port, "/?after-rotation");
            awaitLine(log, "/?after-rotation");

            assertOneLine(rotated, "/?before-rotation");
            assertOneLine(log, "/?after-rotation");

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the server stops");
            assertEquals(0, p.exitValue(), "SIGTERM after a clean drain exits 0");
            assertOneLine(rotated, "/?before-rotation");
            assertOneLine(log, "/?after-rotation");
            assertStdoutIsTheBanner();
            assertStderr(List.of());
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * The log's directory is renamed away (so the file the server holds can still be read) and a
     * SIGHUP cannot reopen the path: one line on stderr, and the lines keep going to the file that
     * was open. Once the directory is back, the next SIGHUP goes on in a new file there.
     */
    @Test
    void aSighupThatCannotReopenSaysSoAndKeepsWritingToTheOldFile() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Path log = logs.resolve("access.log");
        Process p = start("--access-log-file", log.toString());
        try {
            int port = port();
            get(port, "/?first");
            awaitLine(log, "/?first");

            Path moved = Files.move(logs, dir.resolve("logs.old")).resolve("access.log");
            hangUp(p);
            String failure = "halfway-server: SIGHUP: cannot reopen --access-log-file " + log + ": no such directory " + logs
                    + "; still writing to the file that was open; the next SIGHUP tries again";
            Await.until(WAIT, () -> Files.readAllLines(stderr()).contains(failure), () -> "stderr says so: " + read(stderr()));
            get(port, "/?while-the-directory-is-gone");
            awaitLine(moved, "/?while-the-directory-is-gone");
            assertFalse(Files.exists(logs), "the failed reopen created nothing");

            Files.createDirectory(logs);
            hangUp(p);
            awaitReopened(p, log, moved);
            get(port, "/?after-the-directory-is-back");
            awaitLine(log, "/?after-the-directory-is-back");

            List<String> old = Files.readAllLines(moved);
            assertEquals(2, old.size(), old::toString);
            assertTrue(old.get(0).contains("\"GET /?first HTTP/1.0\" 200 "), old.get(0));
            assertTrue(old.get(1).contains("\"GET /?while-the-directory-is-gone HTTP/1.0\" 200 "), old.get(1));
            assertOneLine(log, "/?after-the-directory-is-back");

            p.destroy();
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the server stops");
            assertEquals(0, p.exitValue());
            assertStdoutIsTheBanner();
            assertStderr(List.of(failure));
        } finally {
            p.destroyForcibly();
        }
    }

    /** Without --access-log-file SIGHUP does nothing: the JVM's own action, exit 129, would have stopped the server. */
    @Test
    void aSighupWithoutALogFileIsIgnored() throws Exception {
        Process p = start();
        try {
            int port = port();
            hangUp(p);
            get(port, "/?after-sighup");
            awaitLine(stdout(), "/?after-sighup");
            p.destroy();
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the server stops");
            assertEquals(0, p.exitValue(), "still the server that SIGTERM stops cleanly, not a JVM that SIGHUP ended (129)");
            List<String> lines = Files.readAllLines(stdout());
            assertEquals(2, lines.size(), () -> "the banner and the request's line: " + lines);
            assertTrue(lines.get(1).contains("outcome=complete"), lines.get(1));
            assertStderr(List.of());
        } finally {
            p.destroyForcibly();
        }
    }

    // stdout and stderr go to files: a pipe would be drained and closed under a reader when the
    // process exits, and the checks at the end are about everything the server printed.
    private Path stdout() {
        return dir.resolve("stdout.txt");
    }

    private Path stderr() {
        return dir.resolve("stderr.txt");
    }

    private Process start(String... options) throws IOException {
        assertTrue(Files.isRegularFile(JAR), "package the jar first: " + JAR.toAbsolutePath());
        List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString(), "--port", "0", "--root", WWW.toString()));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).redirectOutput(stdout().toFile()).redirectError(stderr().toFile()).start();
    }

    /** The port from the banner, the first line on stdout. */
    private int port() throws InterruptedException, IOException {
        Await.until(WAIT, () -> Files.readString(stdout()).contains("\n"), () -> "the server printed its banner: " + read(stdout()));
        String banner = Files.readAllLines(stdout()).get(0);
        Matcher m = BANNER.matcher(banner);
        assertTrue(m.matches(), "banner: " + banner);
        return Integer.parseInt(m.group(1));
    }

    private static final Pattern BANNER = Pattern.compile("halfway/\\S+ serving .*www on http://127\\.0\\.0\\.1:(\\d+)/");

    /** With --access-log-file stdout has the banner and nothing else: every line went to the file. */
    private void assertStdoutIsTheBanner() throws IOException {
        List<String> lines = Files.readAllLines(stdout());
        assertEquals(1, lines.size(), () -> "stdout: " + lines);
        assertTrue(BANNER.matcher(lines.get(0)).matches(), lines.get(0));
    }

    /** One request, half-closed after sending it, as halfway's clients do; the response must be the index page's 200. */
    private static void get(int port, String target) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.0\r\n\r\n").getBytes(US_ASCII));
            s.shutdownOutput();
            String response = new String(s.getInputStream().readAllBytes(), UTF_8);
            assertTrue(response.startsWith("HTTP/1.0 200 OK\r\n"), response);
        }
    }

    private static void hangUp(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
        assertTrue(kill.waitFor(5, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue(), "kill -HUP");
    }

    /** The file is written by another process, with no event to wait on: poll until the request's whole line is in it. */
    private static void awaitLine(Path file, String target) throws InterruptedException {
        String request = "\"GET " + target + " HTTP/1.0\" 200 ";
        Await.until(WAIT, () -> Files.exists(file) && Files.readAllLines(file).stream().anyMatch(l -> l.contains(request)),
                () -> "the line of " + target + " in " + file + ":\n" + read(file));
    }

    private static void assertOneLine(Path file, String target) throws IOException {
        List<String> lines = Files.readAllLines(file);
        assertEquals(1, lines.size(), () -> file + ": " + lines);
        assertTrue(lines.get(0).contains("\"GET " + target + " HTTP/1.0\" 200 ") && lines.get(0).contains("outcome=complete"), lines.get(0));
    }

    /**
     * Until the reopen is done, as the kernel shows it: the server has {@code fresh} open and no
     * longer {@code old}, which it closes only after the swap, so a line logged from now on goes
     * to {@code fresh}.
     */
    private static void awaitReopened(Process p, Path fresh, Path old) throws InterruptedException {
        Await.until(WAIT, () -> {
            Set<Path> open = openFiles(p.pid());
            return open.contains(fresh) && !open.contains(old);
        }, () -> "the server reopened " + fresh + " and closed " + old + "; it has open: " + openFiles(p.pid()));
    }

    /** The files a process has open, by their current names (/proc/PID/fd follows renames). */
    private static Set<Path> openFiles(long pid) {
        Set<Path> files = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    files.add(Files.readSymbolicLink(fd));
                } catch (IOException closedMeanwhile) {
                    // not open any more
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list the files of process " + pid, e);
        }
        return files;
    }

    /** stderr holds {@code expected}, then the stop's line, and nothing else. */
    private void assertStderr(List<String> expected) throws IOException {
        List<String> lines = Files.readAllLines(stderr());
        assertEquals(expected.size() + 1, lines.size(), () -> "stderr: " + lines);
        assertEquals(expected, lines.subList(0, expected.size()), () -> "stderr: " + lines);
        assertTrue(lines.get(expected.size()).startsWith(STOPPING), () -> "stderr: " + lines);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
