package dev.halfway.io;

import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian's {@code haproxy}) in the foreground on a free loopback port, with the
 * config a test gives; stopped by its pid. Fails (never skips) when haproxy is not installed.
 */
final class Haproxy implements AutoCloseable {
    final int port;
    private final Process process;
    private final Path log;

    private Haproxy(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts haproxy with {@code config}, in which {@code PORT} stands for the frontend's port,
     * and waits until the frontend accepts connections.
     */
    static Haproxy start(Path dir, String config) throws IOException, InterruptedException {
        int port = freePort();
        Path cfg = Files.writeString(dir.resolve("haproxy-" + port + ".cfg"), config.replace("PORT", Integer.toString(port)));
        Path log = dir.resolve("haproxy-" + port + ".log");
        Process p;
        try {
            // -db: stay in the foreground, no daemon; -W would fork a master.
            p = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("haproxy is not installed (on PATH); .ci/run installs it. These tests are not skipped without it.", e);
        }
        Haproxy haproxy = new Haproxy(port, p, log);
        // Listening, seen in the kernel's table: a probe connection would reach a backend and be logged there.
        Await.until(Duration.ofSeconds(10), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("haproxy exited " + p.exitValue() + ": " + haproxy.output());
            }
            return TcpTable.listening(port);
        }, () -> "haproxy listens on " + port + ": " + haproxy.output());
        return haproxy;
    }

    /** What haproxy printed so far (its warnings and alerts). */
    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    long pid() {
        return process.pid();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM to its pid: haproxy stops at once
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
