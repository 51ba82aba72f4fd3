package dev.halfway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.halfway.client.AfterSend;
import dev.halfway.client.Exchange;
import dev.halfway.client.Fixtures;
import dev.halfway.client.Piece;
import dev.halfway.client.Plan;
import dev.halfway.client.ReadPolicy;
import dev.halfway.client.ResponseMeter;
import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, for real: the packaged jar serves ./www, prints its URL, answers a
 * half-closing client, and exits 0 on SIGTERM after logging every connection. Runs in Maven's
 * integration-test phase, after the jar is built.
 */
class ServerJarIT {
    private static final Path JAR = Path.of("target", "halfway-server.jar");
    private static final Path WWW = Path.of("..", "www");

    @Test
    void theJarServesWwwAndStopsCleanlyOnSigterm() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "package the jar first: " + JAR.toAbsolutePath());
        Process p = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "--port", "0", "--root", WWW.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String banner = out.readLine();
            Matcher m = Pattern.compile("halfway/\\S+ serving .*www on (http://127\\.0\\.0\\.1:(\\d+)/)").matcher(banner);
            assertTrue(m.matches(), "banner: " + banner);
            String url = m.group(1);

            Process nc = new ProcessBuilder("bash", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -N 127.0.0.1 " + m.group(2)).start();
            String response = new String(nc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(nc.waitFor(10, TimeUnit.SECONDS));
            assertTrue(response.startsWith("HTTP/1.0 200 OK\r\n"), response);
            assertTrue(response.contains("<h1 id=\"title\">"), "the index page of www/");

            HttpResponse<String> css = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url + "style.css")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, css.statusCode());
            assertEquals("text/css; charset=utf-8", css.headers().firstValue("Content-Type").orElse(""));

            List<String> lines = new ArrayList<>();
            lines.add(out.readLine());
            lines.add(out.readLine());
            assertTrue(lines.get(0).contains("\"GET / HTTP/1.0\" 200 "), lines.get(0));
            assertTrue(lines.get(0).contains("outcome=complete"), lines.get(0));
            assertTrue(lines.get(1).contains("\"GET /style.css HTTP/1.1\" 200 "), lines.get(1));

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the server stops within the drain timeout");
            assertEquals(0, p.exitValue(), "SIGTERM after a clean drain exits 0");
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * {@code --tls-self-signed}: the banner gives the https URL and the certificate's SHA-256
     * fingerprint, and the certificate the port presents is that one, so a user can pin it.
     */
    @Test
    void theJarServesHttpsWithTheFingerprintItPrints() throws Exception {
        Process p = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "--port", "0", "--root", WWW.toString(),
                "--tls-self-signed").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String banner = out.readLine();
            Matcher m = Pattern.compile("halfway/\\S+ serving .*www on https://127\\.0\\.0\\.1:(\\d+)/").matcher(banner);
            assertTrue(m.matches(), "banner: " + banner);
            String certificateLine = out.readLine();
            Matcher fp = Pattern.compile("TLS certificate CN=halfway self-signed \\(self-signed\\), SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})")
                    .matcher(certificateLine);
            assertTrue(fp.matches(), "certificate line: " + certificateLine);

            javax.net.ssl.SSLContext any = javax.net.ssl.SSLContext.getInstance("TLS");
            any.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] c, String t) {}

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] c, String t) {}

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) any.getSocketFactory()
                    .createSocket("127.0.0.1", Integer.parseInt(m.group(1)))) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(response.startsWith("HTTP/1.0 200 OK\r\n"), response);
                byte[] served = socket.getSession().getPeerCertificates()[0].getEncoded();
                String sha256 = java.util.HexFormat.ofDelimiter(":").withUpperCase()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(served));
                assertEquals(fp.group(1), sha256, "the fingerprint printed is the certificate served");
            }
            String line = out.readLine();
            assertTrue(line.contains("\"GET / HTTP/1.0\" 200 ") && line.endsWith(" tls=TLSv1.3 end=close_notify"), line);
            p.destroy();
            assertTrue(p.waitFor(15, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * SIGTERM under load: the listener closes at once (new connections are refused), responses in
     * flight, to half-closed clients too, finish within the drain timeout, and the process exits 0.
     * With a drain too short for them, the cut connections are logged as shutdown.
     */
    @Test
    void sigtermUnderLoadDrainsInFlightResponsesThenExits0(@TempDir Path root) throws Exception {
        Fixtures.make(root);
        assertEquals(List.of(20, 0), drainRun(root, "10s", 20));
    }

    @Test
    void whatTheDrainTimeoutCannotFinishIsLoggedAsShutdown(@TempDir Path root) throws Exception {
        Fixtures.make(root);
        List<Integer> completeAndShutdown = drainRun(root, "300ms", 8);
        assertEquals(0, completeAndShutdown.get(0));
        assertEquals(8, completeAndShutdown.get(1));
    }

    /**
     * Starts the jar, starts {@code clients} half-closing clients reading 10 MiB at 4 MiB/s, sends
     * SIGTERM while they read, checks that new connections are refused and the exit status is 0;
     * returns how many access-log lines said complete and how many said shutdown.
     */
    private static List<Integer> drainRun(Path root, String drain, int clients) throws Exception {
        // stdout goes to a file: a pipe would be drained and closed under a reader when the process exits.
        Path log = Files.createTempFile("halfway-drain", ".log");
        Process p = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "--port", "0", "--root", root.toString(),
                "--drain-timeout", drain).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(log.toFile()).start();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            // The banner is the first line; the file holds no event to wait on, so poll for the whole line.
            Await.until(Duration.ofSeconds(10), () -> Files.readString(log).contains("\n"),
                    () -> "the server printed its banner: " + read(log));
            Matcher m = Pattern.compile(".* on http://127\\.0\\.0\\.1:(\\d+)/").matcher(Files.readAllLines(log).get(0));
            assertTrue(m.matches(), "banner");
            int port = Integer.parseInt(m.group(1));
            Plan slow = new Plan("127.0.0.1", port,
                    List.of(Piece.of("GET /hc-10m.bin HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII))),
                    AfterSend.SHUT_WR, 0, new ReadPolicy(0, 4 << 20, -1, -1, 65536), Duration.ofSeconds(30));
            List<Future<Exchange.Result>> results = new ArrayList<>();
            CountDownLatch reading = new CountDownLatch(clients);
            for (int i = 0; i < clients; i++) {
                ResponseMeter.Sink firstBodyBytes = new ResponseMeter.Sink() {
                    private boolean counted;

                    @Override
                    public void head(byte[] bytes, int offset, int length) {}

                    @Override
                    public void body(byte[] bytes, int offset, int length) {
                        if (!counted) {
                            counted = true;
                            reading.countDown();
                        }
                    }
                };
                results.add(pool.submit(() -> Exchange.run(slow, firstBodyBytes)));
            }
            assertTrue(reading.await(20, TimeUnit.SECONDS), "every client is reading its response: "
                    + (clients - reading.getCount()) + " of " + clients);
            p.destroy(); // SIGTERM
            Await.until(Duration.ofSeconds(10), () -> !TcpTable.listening(port), "SIGTERM closes the listening socket");
            Exchange.Result refused = Exchange.run(new Plan("127.0.0.1", port, List.of(), AfterSend.SHUT_WR, 0,
                    ReadPolicy.EAGER, Duration.ofSeconds(2)), ResponseMeter.Sink.NONE);
            assertTrue(refused.connectError() != null, "new connections are refused while draining");
            for (Future<Exchange.Result> f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the server exits after the drain");
            assertEquals(0, p.exitValue());
            int complete = 0;
            int shutdown = 0;
            for (String line : Files.readAllLines(log)) {
                complete += line.contains("outcome=complete") ? 1 : 0;
                shutdown += line.contains("outcome=shutdown") ? 1 : 0;
            }
            return List.of(complete, shutdown);
        } finally {
            pool.shutdownNow();
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void ctrlCIsAGracefulStopToo() throws Exception {
        Process p = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "--port", "0", "--root", WWW.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(out.readLine().contains(" serving "), "the server started");
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(5, TimeUnit.SECONDS));
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "SIGINT stops the server");
            assertEquals(0, p.exitValue(), "SIGINT after a clean drain exits 0");
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
