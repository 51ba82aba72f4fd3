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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

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

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
