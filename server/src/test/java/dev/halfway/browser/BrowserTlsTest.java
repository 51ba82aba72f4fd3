package dev.halfway.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.InputEnd;
import dev.halfway.conn.Outcome;
import dev.halfway.conn.Transport;
import dev.halfway.file.DocumentRoot;
import dev.halfway.io.Server;
import dev.halfway.io.ServerConfig;
import dev.halfway.testing.Await;
import dev.halfway.tls.TlsIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.http.ClientConfig;

/**
 * {@link BrowserTest} over HTTPS: Debian's headless Chromium against halfway with a self-signed
 * certificate made for the run. Chromium is told to accept exactly that certificate by the hash of
 * its public key ({@code --ignore-certificate-errors-spki-list}), not to ignore certificate errors
 * in general. It offers ALPN h2 and http/1.1; halfway must pick http/1.1 (it speaks no HTTP/2),
 * and each request must be answered in full over TLS 1.3.
 *
 * <p>Chromium ends its connections by closing the socket, without a close_notify: each log line
 * says {@code end=fin-without-close_notify}.
 *
 * <p>Like BrowserTest, this fails (it is never skipped) when Chromium or chromedriver is missing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrowserTlsTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path WWW = Path.of("..", "www");
    private static final Path OUT = Path.of("target", "browser-tls");
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** The large-ish resource the page fetches, made at test time. */
    private static final int LARGE = 4 * 1024 * 1024;
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    private static final BlockingQueue<AccessRecord> log = new LinkedBlockingQueue<>();
    /** Every record of the run, checked once more when the class ends. */
    private static final List<AccessRecord> all = new ArrayList<>();
    private static Server server;
    private static ChromeDriverService service;
    private static ChromeDriver driver;
    private static String base;
    private static byte[] large;

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    static void start(@TempDir Path dir) throws Exception {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                fail(p + " is missing: this test needs Debian's headless Chromium and its driver"
                        + " (apt-get install chromium chromium-driver; .ci/run installs them)");
            }
        }
        Files.createDirectories(OUT);
        Path root = copyOfWww(dir.resolve("root"));
        large = new byte[LARGE];
        new Random(7).nextBytes(large);
        Files.write(root.resolve("large.bin"), large);

        TlsIdentity identity = TlsIdentity.selfSigned(List.of("127.0.0.1"));
        server = new Server(ServerConfig.builder(new DocumentRoot(root, false), log::add)
                .port(0).drainTimeout(Duration.ofSeconds(5)).tls(identity).build());
        server.start();
        base = "https://127.0.0.1:" + server.port() + "/";

        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(20))
                .withLogFile(OUT.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--disable-dev-shm-usage",
                "--password-store=basic",
                "--user-data-dir=" + dir.resolve("profile").toAbsolutePath(),
                "--window-size=1200,900",
                "--lang=en-US",
                // Trust this run's certificate and no other: base64 of the SHA-256 of its SubjectPublicKeyInfo.
                "--ignore-certificate-errors-spki-list=" + spkiHash(identity));
        ClientConfig client = ClientConfig.defaultConfig()
                .connectionTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(20));
        driver = new ChromeDriver(service, options, client);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(10));
        driver.manage().timeouts().scriptTimeout(WAIT);
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setCacheDisabled", Map.of("cacheDisabled", true));
    }

    @AfterAll
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    static void stop() throws InterruptedException {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (service != null) {
                service.stop();
            }
        }
        if (server == null) {
            return;
        }
        try {
            // Chromium has quit: every connection it had open (preconnects too) ends and is logged.
            Await.until(Duration.ofSeconds(10), () -> server.openConnections() == 0,
                    () -> "every connection logged after Chromium quit: " + server.openConnections() + " open");
        } finally {
            server.stop();
        }
        log.drainTo(all);
        try {
            Files.write(OUT.resolve("access.log"), all.stream().map(BrowserTlsTest::show).toList());
        } catch (IOException e) {
            // only a debugging aid
        }
        assertAllCompleteOverTls(all);
    }

    @Test
    void theIndexPageRendersOverHttpsWithItsStylesheetAndItsSvg() throws Exception {
        driver.get(base);
        assertEquals("halfway", driver.getTitle());
        assertEquals("https:", js("return location.protocol;"));
        assertEquals(200L, js("return performance.getEntriesByType('navigation')[0].responseStatus;"));
        // Over TLS Chromium reports the protocol ALPN negotiated (over plain TCP, BrowserTest sees
        // the response's version, http/1.0): http/1.1, not the h2 it offered first.
        assertEquals("http/1.1", js("return performance.getEntriesByType('navigation')[0].nextHopProtocol;"),
                "the protocol ALPN gave Chromium for the page");
        assertEquals("rgb(31, 94, 153)", js("return getComputedStyle(document.getElementById('title')).color;"),
                "style.css applied to <h1 id=title>");
        WebElement img = driver.findElement(By.cssSelector("img[src='half-close.svg']"));
        Object decoded = ((JavascriptExecutor) driver).executeAsyncScript(
                "const img = arguments[0], done = arguments[arguments.length - 1];"
                        + "img.decode().then(() => done(img.naturalWidth), e => done('decode failed: ' + e));",
                img);
        assertEquals(560L, decoded, "half-close.svg decoded, 560 wide");

        List<AccessRecord> records = awaitRequests(Set.of("/", "/style.css", "/half-close.svg"));
        for (String path : List.of("/", "/style.css", "/half-close.svg")) {
            AccessRecord r = records.stream().filter(x -> path.equals(pathOf(x))).findFirst().orElseThrow();
            assertEquals(200, r.status(), () -> show(r));
            assertEquals("GET " + path + " HTTP/1.1", r.requestLine(), () -> "an HTTP/1.1 request (ALPN http/1.1): " + show(r));
        }
        assertAllCompleteOverTls(records);
    }

    /** A 4 MiB fetch, checked byte for byte in the page (its length and FNV-1a hash, computed by Chromium). */
    @Test
    void aLargeResourceArrivesWhole() throws Exception {
        driver.get(base);
        Object result = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/large.bin', {cache: 'no-store'})"
                        + ".then(r => r.arrayBuffer().then(b => [r.status, b]))"
                        + ".then(([status, b]) => { const bytes = new Uint8Array(b); let h = 0x811c9dc5;"
                        + "  for (let i = 0; i < bytes.length; i++) { h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0; }"
                        + "  done(status + ' ' + bytes.length + ' ' + h); })"
                        + ".catch(e => done('fetch failed: ' + e));");
        assertEquals("200 " + LARGE + " " + fnv1a(large), result, "what Chromium received of /large.bin");

        List<AccessRecord> records = awaitRequests(Set.of("/", "/large.bin"));
        AccessRecord r = records.stream().filter(x -> "/large.bin".equals(pathOf(x))).findFirst().orElseThrow();
        assertEquals(200, r.status(), () -> show(r));
        assertEquals(LARGE, r.bodyBytes(), () -> show(r));
        assertAllCompleteOverTls(records);
    }

    // --- helpers -------------------------------------------------------------------------------

    private static Object js(String script) {
        return driver.executeScript(script);
    }

    /** The access-log records until one for each of {@code paths} has arrived (within 5 s), and any others by then. */
    private static List<AccessRecord> awaitRequests(Set<String> paths) throws InterruptedException {
        List<AccessRecord> got = new ArrayList<>();
        Set<String> missing = new HashSet<>(paths);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!missing.isEmpty()) {
            long left = deadline - System.nanoTime();
            AccessRecord r = left > 0 ? log.poll(left, TimeUnit.NANOSECONDS) : null;
            if (r == null) {
                all.addAll(got);
                fail("no access-log line for " + missing + " within 5 s; got " + got.stream().map(BrowserTlsTest::show).toList());
            }
            got.add(r);
            missing.remove(pathOf(r));
        }
        log.drainTo(got);
        all.addAll(got);
        return got;
    }

    /**
     * Every connection that carried a request was TLS 1.3 and answered in full, and Chromium ended
     * it without a close_notify. A connection without a request (a preconnect, closed when
     * Chromium quits) ends empty, or, if Chromium closed it during the handshake, as a handshake
     * that did not finish.
     */
    private static void assertAllCompleteOverTls(List<AccessRecord> records) {
        for (AccessRecord r : records) {
            assertEquals(Transport.TLS, r.transport(), () -> show(r));
            if (r.requestLine() == null) {
                assertTrue(r.outcome() == Outcome.EMPTY || r.outcome() == Outcome.HANDSHAKE_FAILED,
                        () -> "a connection without a request: " + show(r));
                continue;
            }
            assertEquals("TLSv1.3", r.tls(), () -> show(r));
            assertEquals(Outcome.COMPLETE, r.outcome(), () -> "answered in full: " + show(r));
            assertEquals(r.bodyOwed(), r.bodyBytes(), () -> "every body byte: " + show(r));
            assertEquals(InputEnd.BARE_FIN, r.inputEnd(), () -> "Chromium closes without close_notify: " + show(r));
        }
    }

    private static String pathOf(AccessRecord r) {
        String line = r.requestLine();
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ");
        return parts.length > 1 ? parts[1] : null;
    }

    private static String show(AccessRecord r) {
        return "\"" + r.requestLine() + "\" " + r.status() + " " + r.bodyBytes() + "/" + r.bodyOwed()
                + " fin=" + r.fin().label() + " outcome=" + r.outcome().label() + " linger=" + r.linger().label()
                + " transport=" + r.transport().label() + " tls=" + r.tls()
                + " end=" + (r.inputEnd() == null ? "-" : r.inputEnd().label())
                + (r.reason() == null ? "" : " reason=" + r.reason()) + " " + r.durationMillis() + "ms";
    }

    private static String spkiHash(TlsIdentity identity) throws GeneralSecurityException {
        byte[] spki = identity.certificate().getPublicKey().getEncoded();
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    }

    /** 32-bit FNV-1a, as the page computes it. */
    private static long fnv1a(byte[] bytes) {
        int h = 0x811c9dc5;
        for (byte b : bytes) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        return h & 0xffffffffL;
    }

    private static Path copyOfWww(Path to) throws IOException {
        try (Stream<Path> files = Files.walk(WWW)) {
            for (Path from : files.collect(Collectors.toList())) {
                Path target = to.resolve(WWW.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(from, target);
                }
            }
        }
        return to;
    }
}
