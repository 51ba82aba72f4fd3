package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * halfway as its users start it, {@code halfway-server --tls-self-signed ...}: a child JVM running
 * {@code dev.halfway.cli.Main} on this test run's class path, on a free loopback port. What the
 * peer tests need of it is what an operator sees: the access-log lines on stdout (read by a thread
 * into a queue the test waits on) and whatever it prints on stderr (kept in a file, which must stay
 * empty: a TLS failure is one log line, never a stack trace). Close it to send SIGTERM to its pid;
 * it must drain and exit 0.
 */
public final class HalfwayProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BANNER = Pattern.compile("halfway/\\S+ serving .* on (https?)://127\\.0\\.0\\.1:(\\d+)/");
    /** What Main prints on stderr when SIGTERM makes it drain; anything else there is a failure. */
    private static final String STOPPING = "halfway-server: stopping; draining for up to ";

    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean killed;
    private final int port;
    private final String certificateLine;

    private HalfwayProcess(Process process, Path stderr) throws InterruptedException {
        this.process = process;
        this.stderr = stderr;
        reader = new Thread(this::readStdout, "halfway-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        String banner = poll(20, "its banner (serving ... on https://...)");
        Matcher m = BANNER.matcher(banner);
        if (!m.matches()) {
            throw new AssertionError("not halfway's banner: " + banner + "\n--- stderr:\n" + stderr());
        }
        port = Integer.parseInt(m.group(2));
        certificateLine = m.group(1).equals("https") ? poll(5, "the TLS certificate line after the banner") : null;
    }

    /**
     * Starts {@code halfway-server --host 127.0.0.1 --port 0 --root ROOT OPTIONS...} and waits for its
     * banner. {@code scratch} holds its stderr file.
     */
    public static HalfwayProcess start(Path root, Path scratch, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-XX:+UseSerialGC", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), "dev.halfway.cli.Main",
                "--host", "127.0.0.1", "--port", "0", "--root", root.toString()));
        command.addAll(List.of(options));
        Path err = Files.createTempFile(scratch, "halfway", ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            return new HalfwayProcess(p, err);
        } catch (RuntimeException | Error | InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The line after the banner: {@code TLS certificate CN=... (self-signed), SHA-256 AB:CD:...}. */
    String certificateLine() {
        return certificateLine;
    }

    /** The next access-log line, waiting up to 10 s for it. */
    String nextLine() throws InterruptedException {
        return poll(10, "an access-log line");
    }

    /** The next access-log line as JSON ({@code --access-log json}). */
    Map<String, Object> nextJson() throws InterruptedException {
        return json(nextLine());
    }

    /** Exactly {@code n} access-log lines (waiting for each), and then no more within a short grace period. */
    List<String> lines(int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(nextLine());
        }
        String extra = lines.poll(300, TimeUnit.MILLISECONDS);
        if (extra != null) {
            throw new AssertionError("more access-log lines than connections: " + out + " and then " + extra);
        }
        return out;
    }

    /** Exactly one more access-log line, as JSON. */
    Map<String, Object> onlyJson() throws InterruptedException {
        return json(lines(1).get(0));
    }

    public static Map<String, Object> json(String line) {
        try {
            return JSON.readValue(line, new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new AssertionError("not a JSON access-log line: " + line, e);
        }
    }

    /** SIGKILL to the pid (no drain, no log lines for open connections), and waits until it is gone. */
    public void kill() throws InterruptedException {
        killed = true;
        process.destroyForcibly();
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "halfway (pid " + process.pid() + ") is gone after SIGKILL");
    }

    /** Once it has exited ({@link #close} or {@link #kill}): every access-log line not yet taken, to the end of its stdout. */
    public List<String> remainingLines() throws InterruptedException {
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "halfway (pid " + process.pid() + ") has exited");
        reader.join(10_000);
        assertTrue(!reader.isAlive(), "halfway's stdout reached its end");
        List<String> out = new ArrayList<>();
        lines.drainTo(out);
        return out;
    }

    /** Everything the server has printed on stderr so far. */
    String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Nothing on stderr: no stack trace, no warning, no word from Jetty or the JDK. */
    void assertQuiet() {
        String err = stderr();
        assertEquals("", err, "halfway's stderr (it must stay empty; a failed connection is one access-log line)");
    }

    /** SIGTERM to the pid; halfway drains, exits 0, and has printed nothing on stderr but its "stopping" line. */
    @Override
    public void close() throws InterruptedException {
        if (killed) {
            return; // SIGKILLed by the test: no drain, no exit status to check
        }
        try {
            ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "halfway (pid " + process.pid() + ") stops on SIGTERM");
            assertEquals(0, process.exitValue(), () -> "halfway's exit status after SIGTERM; stderr:\n" + stderr());
            List<String> err = stderr().lines().filter(l -> !l.startsWith(STOPPING)).toList();
            assertEquals(List.of(), err, "halfway's stderr besides its stopping line");
        } finally {
            process.destroyForcibly();
        }
    }

    private String poll(int seconds, String what) throws InterruptedException {
        String line = lines.poll(seconds, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("halfway printed no " + what + " within " + seconds + " s"
                    + (process.isAlive() ? "" : " (it exited " + process.exitValue() + ")") + "\n--- stderr:\n" + stderr());
        }
        return line;
    }

    private void readStdout() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process is gone; poll() says so
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
