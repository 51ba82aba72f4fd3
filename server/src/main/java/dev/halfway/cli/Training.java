package dev.halfway.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import sun.misc.Signal;

/**
 * The training run for halfway's class-data archive (AppCDS): {@code mvn package} runs it once
 * with {@code -XX:ArchiveClassesAtExit}, so that a server started with the production flags maps
 * the classes a real run loads instead of loading and verifying them one by one (see README,
 * "Running it in production"). It serves a throw-away root on a free loopback port with the
 * real command line, sends it the kinds of exchange a real run sees (files, a directory, errors,
 * HEAD, 0.9, half-close, a reset), stops it with SIGTERM as an operator would, and exits.
 */
public final class Training {
    private static final String[] REQUESTS = {
        "GET / HTTP/1.0\r\n\r\n",
        "GET /small.txt HTTP/1.0\r\nHost: x\r\nUser-Agent: training\r\n\r\n",
        "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /small.txt HTTP/1.0\r\n\r\n",
        "GET /small.txt HTTP/1.0\r\nIf-Modified-Since: Sun, 06 Nov 2044 08:49:37 GMT\r\n\r\n",
        "GET /dir HTTP/1.0\r\n\r\n",
        "GET /dir/ HTTP/1.0\r\n\r\n",
        "GET /missing HTTP/1.0\r\n\r\n",
        "GET /a b c\r\n\r\n",
        "POST /small.txt HTTP/1.0\r\n\r\n",
        "GET /small.txt\r\n",
    };

    private Training() {}

    public static void main(String[] args) throws Exception {
        Main.startLean(); // as Main.main does, so the archive holds what a real start loads
        Path root = Files.createTempDirectory("halfway-training");
        try {
            Files.writeString(root.resolve("index.html"), "<!doctype html><title>training</title>\n");
            Files.writeString(root.resolve("small.txt"), "small\n");
            Files.write(root.resolve("big.bin"), new byte[256 * 1024]);
            Files.createDirectory(root.resolve("dir"));
            Files.writeString(root.resolve("dir/a.txt"), "a\n");
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();
            }
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
            String[] argv = {"--port", Integer.toString(port), "--root", root.toString()};
            Thread server = new Thread(() -> Main.run(argv, sink, sink), "training-server");
            server.start();
            awaitListening(port);
            for (int round = 0; round < 50; round++) {
                for (String request : REQUESTS) {
                    exchange(port, request, round % 2 == 0);
                }
            }
            Signal.raise(new Signal("TERM"));
            server.join(20_000);
        } finally {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(5); // the server thread is still starting: nothing to wait on but the port
            }
        }
        throw new IllegalStateException("the training server did not start");
    }

    /** One request; half-closes after it when asked, then reads to the server's FIN. */
    private static void exchange(int port, String request, boolean halfClose) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            if (halfClose) {
                s.shutdownOutput();
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream discard = new ByteArrayOutputStream();
            in.transferTo(discard);
        }
    }
}
