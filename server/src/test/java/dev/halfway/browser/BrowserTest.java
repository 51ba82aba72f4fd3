package dev.halfway.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.halfway.file.DocumentRoot;
import dev.halfway.io.Server;
import dev.halfway.io.ServerConfig;
import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.http.ClientConfig;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real browser against halfway serving {@code www/}: Debian's headless Chromium, driven by
 * Debian's chromedriver through Selenium. Both paths are given explicitly, so Selenium Manager
 * never runs (it would try to download a driver). Chromium sends HTTP/1.1 requests; halfway
 * answers each with HTTP/1.0 and a staged close, so every resource is its own connection and
 * every connection must end {@code complete} in the access log.
 *
 * <p>Chromium and chromedriver are required, not optional: when they are missing the class
 * fails (it is never skipped). {@code .ci/run} installs the {@code chromium} and
 * {@code chromium-driver} packages.
 *
 * <p>Each run saves a screenshot of the index page to {@code target/browser/index.png}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path WWW = Path.of("..", "www");
    private static final Path OUT = Path.of("target", "browser");
    private static final Duration WAIT = Duration.ofSeconds(5);

    /**
     * Selenium looks for a CDP binding matching the browser's major version and warns when it has
     * none; this test uses only chromedriver's own commands, so the warning is noise.
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    private static final BlockingQueue<AccessRecord> log = new LinkedBlockingQueue<>();
    /** Every record of the run, checked once more when the class ends. */
    private static final List<AccessRecord> all = new ArrayList<>();
    private static Server server;
    private static ChromeDriverService service;
    private static ChromeDriver driver;
    private static String base;

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    static void start(@TempDir Path profile) throws IOException {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                fail(p + " is missing: this test needs Debian's headless Chromium and its driver"
                        + " (apt-get install chromium chromium-driver; .ci/run installs them)");
            }
        }
        Files.createDirectories(OUT);

        server = new Server(ServerConfig.builder(new DocumentRoot(WWW, false), log::add)
                .port(0).drainTimeout(Duration.ofSeconds(5)).build());
        server.start();
        base = "http://127.0.0.1:" + server.port() + "/";

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
                // Debian's launcher adds this only when /dev/shm is small and it can measure it;
                // containers often have 64 MB.
                "--disable-dev-shm-usage",
                "--password-store=basic",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=1200,900",
                "--force-device-scale-factor=1",
                "--hide-scrollbars",
                "--lang=en-US");
        ClientConfig client = ClientConfig.defaultConfig()
                .connectionTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(20));
        driver = new ChromeDriver(service, options, client);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(10));
        driver.manage().timeouts().scriptTimeout(WAIT);
        // Every visit asks the server again: halfway sends Last-Modified and no Cache-Control, so
        // Chromium would otherwise reuse the page heuristically (and a cached page shows no
        // protocol and no access-log line). setCacheDisabled works only with the domain enabled.
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setCacheDisabled", Map.of("cacheDisabled", true));
        // --window-size is the window; headless Chromium keeps room for its (invisible) toolbar,
        // so the page would get 1200 x 757. Fix the viewport itself, for the screenshot.
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 1200, "height", 900, "deviceScaleFactor", 1, "mobile", false));
    }

    @AfterAll
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    static void stop() throws InterruptedException {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            try {
                if (service != null) {
                    service.stop();
                }
            } finally {
                if (server != null) {
                    server.stop();
                }
            }
        }
        // Whatever arrived late (a favicon request, say) must have been answered in full too.
        drain(all);
        try {
            Files.write(OUT.resolve("access.log"),
                    all.stream().map(BrowserTest::show).collect(Collectors.toList()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // only a debugging aid
        }
        assertAllComplete(all);
    }

    @BeforeEach
    void forgetEarlierRequests() throws InterruptedException {
        // Records of an earlier test that arrive late are checked in stop(), not here.
        awaitEveryRequestLogged();
        drain(all);
    }

    @Test
    void theIndexPageLoadsOverHttp10WithItsStylesheetAndItsSvg() throws Exception {
        driver.get(base);
        assertEquals("halfway", driver.getTitle());

        // Chromium reports the response's protocol version in the navigation timing entry.
        Object protocol = js("return performance.getEntriesByType('navigation')[0].nextHopProtocol;");
        assertEquals("http/1.0", protocol, "the protocol Chromium saw for the page");
        Object responseStatus = js("return performance.getEntriesByType('navigation')[0].responseStatus;");
        assertEquals(200L, responseStatus);

        WebElement title = driver.findElement(By.id("title"));
        assertEquals("halfway", title.getText());
        // getCssValue would normalise to rgba(); the computed style is what the page's CSS says.
        assertEquals("rgb(31, 94, 153)", js("return getComputedStyle(document.getElementById('title')).color;"),
                "style.css applied to <h1 id=title>");

        WebElement img = driver.findElement(By.cssSelector("img[src='half-close.svg']"));
        Object decoded = ((JavascriptExecutor) driver).executeAsyncScript(
                "const img = arguments[0], done = arguments[arguments.length - 1];"
                        + "img.decode().then(() => done(img.naturalWidth), e => done('decode failed: ' + e));",
                img);
        assertTrue(decoded instanceof Long && (Long) decoded > 0, "the SVG's natural width: " + decoded);
        assertEquals(560L, decoded, "half-close.svg is 560 wide");

        List<AccessRecord> records = awaitRequests(Set.of("/", "/style.css", "/half-close.svg"));
        for (String path : List.of("/", "/style.css", "/half-close.svg")) {
            AccessRecord r = records.stream().filter(x -> path.equals(pathOf(x))).findFirst().orElseThrow();
            assertEquals(200, r.status(), () -> "status of " + path + ": " + show(r));
            assertTrue(r.requestLine().matches("GET \\S+ HTTP/1\\.[01]"), () -> "request line: " + show(r));
            assertEquals(r.bodyOwed(), r.bodyBytes(), () -> "every byte of " + path + ": " + show(r));
        }
        assertAllComplete(records);

        // The picture for the README: the index page as Chromium drew it, 1200 x 900.
        js("window.scrollTo(0, 0);");
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG screenshot");
        Path shot = OUT.resolve("index.png");
        Path tmp = Files.write(OUT.resolve("index.png.tmp"), png);
        Files.move(tmp, shot, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void theDirectoryListingIsNavigableByClicking() throws Exception {
        driver.get(base);
        click(By.linkText("files/"));
        awaitUrl(base + "files/");
        assertEquals("Index of /files/", driver.findElement(By.tagName("h1")).getText());
        assertEquals(200L, js("return performance.getEntriesByType('navigation')[0].responseStatus;"));
        assertEquals("http/1.0", js("return performance.getEntriesByType('navigation')[0].nextHopProtocol;"));
        Set<String> names = driver.findElements(By.cssSelector("table a")).stream()
                .map(WebElement::getText).collect(Collectors.toSet());
        assertEquals(Set.of("../", "more/", "data.json", "notes.txt", "sample.csv"), names);

        click(By.linkText("more/"));
        awaitUrl(base + "files/more/");
        assertEquals("Index of /files/more/", driver.findElement(By.tagName("h1")).getText());
        assertTrue(driver.findElements(By.linkText("readme.txt")).size() == 1, "more/ lists readme.txt");

        click(By.linkText("readme.txt"));
        awaitUrl(base + "files/more/readme.txt");
        assertShowsText(WWW.resolve("files/more/readme.txt"));

        driver.navigate().back();
        awaitUrl(base + "files/more/");
        click(By.linkText("../"));
        awaitUrl(base + "files/");
        click(By.linkText("notes.txt"));
        awaitUrl(base + "files/notes.txt");
        assertShowsText(WWW.resolve("files/notes.txt"));

        List<AccessRecord> records = awaitRequests(Set.of("/", "/files/", "/files/more/",
                "/files/more/readme.txt", "/files/notes.txt"));
        assertAllComplete(records);
        for (AccessRecord r : records) {
            if (!"/favicon.ico".equals(pathOf(r))) {
                assertEquals(200, r.status(), () -> show(r));
            }
        }
    }

    @Test
    void aMissingPageShowsHalfwaysNotFoundPage() throws Exception {
        driver.get(base);
        click(By.linkText("/no-such-page"));
        awaitUrl(base + "no-such-page");
        assertEquals("404 Not Found", driver.findElement(By.tagName("h1")).getText());
        assertEquals("404 Not Found", driver.getTitle());
        assertEquals(404L, js("return performance.getEntriesByType('navigation')[0].responseStatus;"));
        assertEquals("http/1.0", js("return performance.getEntriesByType('navigation')[0].nextHopProtocol;"));

        List<AccessRecord> records = awaitRequests(Set.of("/", "/no-such-page"));
        AccessRecord missing = records.stream().filter(r -> "/no-such-page".equals(pathOf(r))).findFirst().orElseThrow();
        assertEquals(404, missing.status(), () -> show(missing));
        assertAllComplete(records);

        // The 404 page links home.
        click(By.cssSelector("a[href='/']"));
        awaitUrl(base);
        assertEquals("halfway", driver.findElement(By.id("title")).getText());
    }

    // --- helpers -------------------------------------------------------------------------------

    private static Object js(String script) {
        return driver.executeScript(script);
    }

    private static void click(By link) {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.elementToBeClickable(link)).click();
    }

    /** Waits for the URL and for the new document to have loaded. */
    private static void awaitUrl(String url) {
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        wait.withMessage(() -> "expected " + url + ", at " + driver.getCurrentUrl());
        wait.until(ExpectedConditions.urlToBe(url));
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState;")));
    }

    /** The page is the file, shown as plain text exactly. */
    private static void assertShowsText(Path file) throws IOException {
        assertEquals("text/plain", js("return document.contentType;"));
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        assertEquals(expected, js("return document.querySelector('pre').textContent;"));
    }

    /**
     * The access-log records until one for each of {@code paths} has arrived (within a few
     * seconds), plus those of every other request the browser has made by then.
     */
    private static List<AccessRecord> awaitRequests(Set<String> paths) throws InterruptedException {
        List<AccessRecord> got = new ArrayList<>();
        Set<String> missing = new HashSet<>(paths);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!missing.isEmpty()) {
            long left = deadline - System.nanoTime();
            AccessRecord r = left > 0 ? log.poll(left, TimeUnit.NANOSECONDS) : null;
            if (r == null) {
                all.addAll(got);
                fail("no access-log line for " + missing + " within 5 s; got "
                        + got.stream().map(BrowserTest::show).collect(Collectors.toList()));
            }
            got.add(r);
            missing.remove(pathOf(r));
        }
        awaitEveryRequestLogged();
        drain(got);
        all.addAll(got);
        return got;
    }

    /**
     * Waits until every connection on which Chromium has sent bytes has been closed and logged.
     * "No connection open" never comes: Chromium keeps speculative connections open, idle, for
     * later requests. What can be seen instead is the kernel's table of the server's sockets and
     * the server's count of open connections, which drops only after a connection's log line.
     * Settled when every socket the server holds has received nothing (an idle preconnect), none
     * waits in the accept queue, and the server counts exactly those as open.
     */
    private static void awaitEveryRequestLogged() throws InterruptedException {
        int port = server.port();
        List<TcpTable.Socket> seen = new ArrayList<>();
        Await.until(WAIT, () -> {
            List<TcpTable.Socket> sockets = TcpTable.at(port).stream()
                    .filter(s -> s.state() != TcpTable.State.LISTEN && s.state() != TcpTable.State.TIME_WAIT).toList();
            seen.clear();
            seen.addAll(sockets);
            long held = sockets.stream().filter(TcpTable.Socket::heldOpen).count();
            boolean inFlight = sockets.stream().anyMatch(s -> s.heldOpen() && s.bytesReceived() != 0);
            boolean waitingForAccept = sockets.stream()
                    .anyMatch(s -> !s.heldOpen() && s.state() == TcpTable.State.ESTABLISHED);
            return !inFlight && !waitingForAccept && server.openConnections() == held;
        }, () -> "every request logged: the server has " + server.openConnections() + " open; its sockets " + seen);
    }

    private static void drain(Collection<AccessRecord> into) {
        log.drainTo(into);
    }

    /**
     * Every connection that carried a request was answered in full over HTTP/1.x and closed
     * cleanly. A connection on which Chromium sent nothing (a speculative preconnect) is allowed
     * to end {@code empty}.
     */
    private static void assertAllComplete(List<AccessRecord> records) {
        for (AccessRecord r : records) {
            if (r.requestLine() == null) {
                assertEquals(Outcome.EMPTY, r.outcome(), () -> "a connection without a request: " + show(r));
                continue;
            }
            assertTrue(r.requestLine().endsWith(" HTTP/1.1") || r.requestLine().endsWith(" HTTP/1.0"),
                    () -> "an HTTP/1.x request: " + show(r));
            assertEquals(Outcome.COMPLETE, r.outcome(), () -> "answered in full: " + show(r));
            assertEquals(r.bodyOwed(), r.bodyBytes(), () -> "every body byte: " + show(r));
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
                + " " + r.durationMillis() + "ms";
    }
}
