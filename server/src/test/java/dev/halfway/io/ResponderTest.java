package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.file.DocumentRoot;
import dev.halfway.http.HttpDate;
import dev.halfway.http.ParseResult;
import dev.halfway.http.Request;
import dev.halfway.http.RequestParser;
import dev.halfway.http.Status;
import dev.halfway.testing.Await;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder with its small-file cache: a hit is answered from memory alone (shown by a
 * responder whose document root is an empty directory: anything it asked the root would be a
 * 404), with the same head as without the cache, head and body as bytes for one gathering write;
 * and a path is still parsed and checked before the cache is asked.
 */
class ResponderTest {
    static final Instant MODIFIED = Instant.parse("2021-06-15T10:20:30Z");
    static final String BODY = "cached body\n";

    @TempDir
    Path dir;
    FileCache files;
    /** Serves {@code root} through the cache. */
    Responder cached;
    /** Has the same cache, over an empty root: a 200 from it came from the cache. */
    Responder memoryOnly;
    /** Serves {@code root} with no cache. */
    Responder plain;

    @BeforeEach
    void responders() throws IOException {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(root.resolve("f.txt"), BODY);
        Files.setLastModifiedTime(root.resolve("f.txt"), FileTime.from(MODIFIED));
        Files.createDirectory(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<p>docs</p>\n");
        DocumentRoot documentRoot = new DocumentRoot(root, false);
        files = new FileCache(documentRoot, 1 << 20, 16, 1 << 16, System.err);
        files.start();
        cached = new Responder(documentRoot, true, files);
        memoryOnly = new Responder(new DocumentRoot(empty, false), true, files);
        plain = new Responder(documentRoot, true, new FileCache(documentRoot, 0, 1, 1, System.err));
    }

    @AfterEach
    void close() {
        files.close();
    }

    static Request request(String text) {
        ParseResult r = RequestParser.withDefaults().parse(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
        return ((ParseResult.Complete) r).request();
    }

    static Response respond(Responder responder, String text) {
        return responder.respond(request(text), () -> "http://127.0.0.1:1");
    }

    static String head(Response r) {
        return new String(r.head(), StandardCharsets.ISO_8859_1);
    }

    /** The head's lines but Date's (which depends on the second). */
    static List<String> fixedLines(Response r) {
        return head(r).lines().filter(l -> !l.startsWith("Date: ")).collect(Collectors.toList());
    }

    @Test
    void aHitIsAnsweredFromMemoryWithTheHeadAndBodyAsBytes() throws IOException {
        assertEquals(404, respond(memoryOnly, "GET /f.txt HTTP/1.0\r\n\r\n").status().code(), "nothing cached yet");
        Response first = respond(cached, "GET /f.txt HTTP/1.0\r\n\r\n");
        assertNotNull(files.get("f.txt"), "the first request read the file into the cache");
        Response hit = respond(memoryOnly, "GET /f.txt HTTP/1.0\r\n\r\n");
        for (Response r : List.of(first, hit)) {
            assertEquals(Status.OK, r.status());
            assertNull(r.file(), "no file to send: head and body are bytes, one gathering write");
            assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), r.bytes());
            assertEquals(BODY.length(), r.owed());
        }
        Response uncached = respond(plain, "GET /f.txt HTTP/1.0\r\n\r\n");
        assertNotNull(uncached.file(), "without the cache the file is sent by sendfile");
        uncached.file().close();
        assertEquals(fixedLines(uncached), fixedLines(hit), "the same head as without the cache");
        assertTrue(head(hit).contains("Last-Modified: Tue, 15 Jun 2021 10:20:30 GMT\r\n"), head(hit));
    }

    @Test
    void theDateIsTheCurrentSecond() {
        respond(cached, "GET /f.txt HTTP/1.0\r\n\r\n");
        long before = System.currentTimeMillis() / 1000;
        Response hit = respond(memoryOnly, "GET /f.txt HTTP/1.0\r\n\r\n");
        long after = System.currentTimeMillis() / 1000;
        String date = head(hit).lines().filter(l -> l.startsWith("Date: ")).findFirst().orElseThrow().substring(6);
        long second = HttpDate.parse(date).getEpochSecond();
        assertTrue(before <= second && second <= after, date);
    }

    /** The head is encoded once, but its Date is the clock's: a hit in the next second says the next second. */
    @Test
    void theDateFollowsTheClock() throws InterruptedException {
        respond(cached, "GET /f.txt HTTP/1.0\r\n\r\n");
        long first = dateOf(respond(memoryOnly, "GET /f.txt HTTP/1.0\r\n\r\n"));
        Await.until(Duration.ofSeconds(3), () -> System.currentTimeMillis() / 1000 > first, "the next second");
        long second = dateOf(respond(memoryOnly, "GET /f.txt HTTP/1.0\r\n\r\n"));
        assertTrue(second > first, first + " then " + second);
    }

    static long dateOf(Response r) {
        String date = head(r).lines().filter(l -> l.startsWith("Date: ")).findFirst().orElseThrow().substring(6);
        return HttpDate.parse(date).getEpochSecond();
    }

    @Test
    void headAndNotModifiedAndSimpleResponsesComeFromTheCache() throws IOException {
        respond(cached, "GET /f.txt HTTP/1.0\r\n\r\n");
        Response head = respond(memoryOnly, "HEAD /f.txt HTTP/1.0\r\n\r\n");
        assertEquals(Status.OK, head.status());
        assertNull(head.bytes());
        assertEquals(0, head.owed());
        Response get = respond(memoryOnly, "GET /f.txt HTTP/1.0\r\n\r\n");
        assertEquals(fixedLines(get), fixedLines(head), "HEAD has GET's head");

        Response notModified = respond(memoryOnly,
                "GET /f.txt HTTP/1.0\r\nIf-Modified-Since: Tue, 15 Jun 2021 10:20:30 GMT\r\n\r\n");
        assertEquals(Status.NOT_MODIFIED, notModified.status());
        assertNull(notModified.bytes());
        Response plainNotModified = respond(plain,
                "GET /f.txt HTTP/1.0\r\nIf-Modified-Since: Tue, 15 Jun 2021 10:20:30 GMT\r\n\r\n");
        assertEquals(fixedLines(plainNotModified), fixedLines(notModified));

        Response older = respond(memoryOnly,
                "GET /f.txt HTTP/1.0\r\nIf-Modified-Since: Tue, 15 Jun 2021 10:20:29 GMT\r\n\r\n");
        assertEquals(Status.OK, older.status());
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), older.bytes());

        Response simple = respond(memoryOnly, "GET /f.txt\r\n");
        assertEquals(0, simple.head().length, "HTTP/0.9: the body alone");
        assertArrayEquals(BODY.getBytes(StandardCharsets.UTF_8), simple.bytes());
    }

    @Test
    void aDirectorysIndexIsCachedUnderItsDirectoryForm() {
        respond(cached, "GET /docs/ HTTP/1.0\r\n\r\n");
        Response hit = respond(memoryOnly, "GET /docs/ HTTP/1.0\r\n\r\n");
        assertEquals(Status.OK, hit.status());
        assertTrue(head(hit).contains("Content-Type: text/html; charset=utf-8\r\n"), head(hit));
        assertEquals(301, respond(cached, "GET /docs HTTP/1.0\r\n\r\n").status().code(), "redirects are not cached");
        assertEquals(404, respond(memoryOnly, "GET /docs HTTP/1.0\r\n\r\n").status().code());
    }

    @Test
    void thePathIsCheckedBeforeTheCacheIsAsked() {
        respond(cached, "GET /f.txt HTTP/1.0\r\n\r\n");
        // other spellings of the same name are the same key
        for (String target : List.of("/./f.txt", "/docs/../f.txt", "/%66.txt", "/f.txt?query")) {
            assertEquals(200, respond(memoryOnly, "GET " + target + " HTTP/1.0\r\n\r\n").status().code(), target);
        }
        // and the refusals stand
        assertEquals(403, respond(memoryOnly, "GET /../f.txt HTTP/1.0\r\n\r\n").status().code());
        assertEquals(400, respond(memoryOnly, "GET /f.txt%00 HTTP/1.0\r\n\r\n").status().code());
        assertEquals(404, respond(memoryOnly, "GET /f.txt/ HTTP/1.0\r\n\r\n").status().code());
        assertEquals(405, respond(memoryOnly, "DELETE /f.txt HTTP/1.0\r\n\r\n").status().code());
    }
}
