package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.Outcome;
import dev.halfway.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Responses through the real server with the small-file cache: HEAD, 304 and HTTP/0.9 answered
 * from a cached file, a file over the per-file maximum sent by sendfile as before, and
 * {@code --cache-bytes 0}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CachedResponsesTest {
    static final String SMALL = "small file\n";

    @TempDir
    Path root;

    @BeforeEach
    void files() throws IOException {
        Fixtures.root(root);
    }

    static RawClient.Reply exchange(TestServer server, String request) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            return c.send(request).halfClose().readAll();
        }
    }

    static List<String> fixedLines(RawClient.Reply r) {
        return r.head().lines().filter(l -> !l.startsWith("Date: ")).collect(Collectors.toList());
    }

    /** Asks until the file is held (a fill racing the fixture's own events holds nothing). */
    static void awaitHeld(TestServer server, String target, String key) throws InterruptedException {
        Await.until(Duration.ofSeconds(5), () -> exchange(server, "GET " + target + " HTTP/1.0\r\n\r\n").status() == 200
                && server.server.files().get(key) != null, target + " is held");
    }

    @Test
    void headNotModifiedAndSimpleResponsesFromACachedFile() throws Exception {
        try (TestServer server = new TestServer(root)) {
            awaitHeld(server, "/small.txt", "small.txt");
            RawClient.Reply get = exchange(server, "GET /small.txt HTTP/1.0\r\n\r\n");
            assertEquals(200, get.status(), get.text());
            assertEquals(SMALL, new String(get.body(), StandardCharsets.UTF_8));
            assertTrue(get.head().contains("Content-Length: 11\r\n"), get.head());
            assertEquals(RawClient.End.FIN, get.end());

            RawClient.Reply head = exchange(server, "HEAD /small.txt HTTP/1.0\r\n\r\n");
            assertEquals(200, head.status());
            assertEquals(0, head.body().length, "HEAD: no body");
            assertEquals(fixedLines(get), fixedLines(head), "HEAD has GET's head");

            String lastModified = get.head().lines().filter(l -> l.startsWith("Last-Modified: ")).findFirst().orElseThrow();
            RawClient.Reply notModified = exchange(server,
                    "GET /small.txt HTTP/1.0\r\nIf-Modified-Since: " + lastModified.substring(15) + "\r\n\r\n");
            assertEquals(304, notModified.status(), notModified.text());
            assertEquals(0, notModified.body().length);
            assertTrue(notModified.head().contains(lastModified + "\r\n"), notModified.head());
            assertFalse(notModified.head().contains("Content-Length"), notModified.head());

            RawClient.Reply older = exchange(server,
                    "GET /small.txt HTTP/1.0\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n");
            assertEquals(200, older.status());
            assertEquals(SMALL, new String(older.body(), StandardCharsets.UTF_8));

            RawClient.Reply simple = exchange(server, "GET /small.txt\r\n");
            assertEquals(SMALL, simple.text(), "HTTP/0.9: the body alone");

            assertNotNull(server.server.files().get("small.txt"), "still the one entry");
        }
    }

    @Test
    void aFileOverTheFileMaximumIsSentBySendfileAsBefore() throws Exception {
        byte[] over = new byte[4096];
        new Random(7).nextBytes(over);
        Files.write(root.resolve("over.bin"), over);
        try (TestServer server = new TestServer(root, c -> c.cacheFileMax(1024))) {
            for (int i = 0; i < 3; i++) {
                RawClient.Reply r = exchange(server, "GET /over.bin HTTP/1.0\r\n\r\n");
                assertEquals(200, r.status());
                assertArrayEquals(over, r.body());
                assertEquals(Outcome.COMPLETE, server.nextRecord().outcome());
            }
            assertNull(server.server.files().get("over.bin"), "never held");
            RawClient.Reply big = exchange(server, "GET /big.bin HTTP/1.0\r\n\r\n");
            assertArrayEquals(Fixtures.big(root), big.body());
            assertEquals(0, server.server.files().size(), "nothing over the maximum is held");
            awaitHeld(server, "/small.txt", "small.txt");
        }
    }

    @Test
    void cacheBytesZeroServesWithoutACache() throws Exception {
        try (TestServer server = new TestServer(root, c -> c.cacheBytes(0))) {
            assertFalse(server.server.files().on());
            for (int i = 0; i < 3; i++) {
                RawClient.Reply r = exchange(server, "GET /small.txt HTTP/1.0\r\n\r\n");
                assertEquals(200, r.status());
                assertEquals(SMALL, new String(r.body(), StandardCharsets.UTF_8));
            }
            assertEquals(0, server.server.files().size());
            assertEquals(0, server.server.files().watchedDirectories());
            Files.writeString(root.resolve("small.txt"), "changed\n");
            assertEquals("changed\n", new String(exchange(server, "GET /small.txt HTTP/1.0\r\n\r\n").body(), StandardCharsets.UTF_8));
        }
    }
}
