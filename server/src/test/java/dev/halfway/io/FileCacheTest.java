package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.file.DocumentRoot;
import dev.halfway.file.RequestPath;
import dev.halfway.file.Resolution;
import dev.halfway.http.ResponseHead;
import dev.halfway.http.Status;
import dev.halfway.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small-file cache on its own, against a real directory and the real watch service: its three
 * bounds, first-in-first-out eviction, the watches it holds and gives back, and a change racing a
 * fill. (Changes seen through the server are {@link CacheInvalidationTest}'s.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileCacheTest {
    private static final Duration SEEN = Duration.ofSeconds(1);

    @TempDir
    Path dir;
    Path root;
    DocumentRoot documentRoot;
    final ByteArrayOutputStream notices = new ByteArrayOutputStream();
    final List<FileCache> caches = new ArrayList<>();

    @BeforeEach
    void root() throws IOException {
        root = Files.createDirectory(dir.toRealPath().resolve("root"));
        documentRoot = new DocumentRoot(root, false);
    }

    @AfterEach
    void close() {
        caches.forEach(FileCache::close);
    }

    FileCache cache(long bytes, int entries, long fileMax) {
        FileCache cache = new FileCache(documentRoot, bytes, entries, fileMax,
                new PrintStream(notices, true, StandardCharsets.UTF_8));
        caches.add(cache);
        cache.start();
        return cache;
    }

    static FileCache.Entry entry(Path file, byte[] body, FileTime modified) {
        ResponseHead ok = new ResponseHead(Status.OK).field("Content-Length", body.length);
        ResponseHead notModified = new ResponseHead(Status.NOT_MODIFIED);
        return new FileCache.Entry(body, modified.toInstant(), ok.preencode(), notModified.preencode());
    }

    FileCache.Entry fill(FileCache cache, String target, FileCache.Maker maker) {
        RequestPath.Parsed path = RequestPath.parse(target);
        return cache.fill(path, (Resolution.File) documentRoot.resolve(path), maker);
    }

    FileCache.Entry fill(FileCache cache, String target) {
        return fill(cache, target, FileCacheTest::entry);
    }

    Path write(String name, String content) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    @Test
    void aFillIsHeldAndAHitIsTheSameEntry() throws IOException {
        write("a.txt", "alpha\n");
        FileCache cache = cache(1 << 20, 16, 1 << 16);
        assertTrue(cache.on());
        FileCache.Entry filled = fill(cache, "/a.txt");
        assertNotNull(filled);
        assertArrayEquals("alpha\n".getBytes(StandardCharsets.UTF_8), filled.body());
        assertSame(filled, cache.get("a.txt"));
        // every spelling of the same path is the same key
        assertEquals("a.txt", RequestPath.parse("/x/../%61.txt").key());
        assertEquals(1, cache.size());
        assertEquals(filled.bytes(), cache.bytes());
        assertEquals("", notices.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFileOverTheFileMaxIsNotHeld() throws IOException {
        write("max.txt", "x".repeat(100));
        write("over.txt", "x".repeat(101));
        FileCache cache = cache(1 << 20, 16, 100);
        assertFalse(cache.admits(101));
        assertNull(fill(cache, "/over.txt"), "not read: answered by sendfile");
        assertNull(cache.get("over.txt"));
        assertNotNull(fill(cache, "/max.txt"));
        assertNotNull(cache.get("max.txt"), "a file of exactly the maximum is held");
    }

    @Test
    void theEntryBoundEvictsTheOldestFirst() throws IOException {
        for (String name : List.of("a", "b", "c", "d")) {
            write(name + ".txt", name);
        }
        FileCache cache = cache(1 << 20, 3, 1 << 16);
        for (String name : List.of("a", "b", "c", "d")) {
            assertNotNull(fill(cache, "/" + name + ".txt"));
            assertTrue(cache.size() <= 3, "entries: " + cache.size());
        }
        assertNull(cache.get("a.txt"), "the first in is the first out");
        for (String name : List.of("b", "c", "d")) {
            assertNotNull(cache.get(name + ".txt"), name);
        }
        // a fill of the evicted one comes back in, and pushes out the next oldest
        assertNotNull(fill(cache, "/a.txt"));
        assertNotNull(cache.get("a.txt"));
        assertNull(cache.get("b.txt"));
    }

    @Test
    void theByteBoundEvictsTheOldestUntilTheNewOneFits() throws IOException {
        for (String name : List.of("a", "b", "c", "d")) {
            write(name + ".txt", name.repeat(1000));
        }
        long cost = fill(cache(1 << 20, 16, 1 << 16), "/a.txt").bytes();
        assertTrue(cost > 1000, "an entry costs its body and its heads: " + cost);
        long bound = 3 * cost + cost / 2; // three fit, four do not
        // Written before the cache below watches the root: a write after that is a change event,
        // and a fill that races its own file's event is refused (served, not cached).
        write("big.txt", "z".repeat((int) bound));
        FileCache cache = cache(bound, 16, 1 << 16);
        for (String name : List.of("a", "b", "c", "d")) {
            assertNotNull(fill(cache, "/" + name + ".txt"));
            assertTrue(cache.bytes() <= bound, cache.bytes() + " bytes held, bound " + bound);
        }
        assertEquals(3, cache.size());
        assertEquals(3 * cost, cache.bytes());
        assertNull(cache.get("a.txt"));

        // a file under the file maximum whose entry alone is over the byte bound is read and
        // answered, but never held, and evicts nothing
        FileCache.Entry big = fill(cache, "/big.txt");
        assertNotNull(big);
        assertNull(cache.get("big.txt"));
        assertEquals(3, cache.size());
    }

    @Test
    void watchesAreHeldForTheEntriesAndGivenBack() throws IOException, InterruptedException {
        write("x/a.txt", "a");
        write("y/b.txt", "b");
        FileCache cache = cache(1 << 20, 1, 1 << 16);
        assertNotNull(fill(cache, "/x/a.txt"));
        assertEquals(3, cache.watchedDirectories(), "the root's parent, the root, x");
        assertNotNull(fill(cache, "/y/b.txt"));
        assertNull(cache.get("x/a.txt"));
        assertEquals(3, cache.watchedDirectories(), "x was given back with its entry; y is watched");
        Files.delete(root.resolve("y/b.txt"));
        Await.until(SEEN, () -> cache.get("y/b.txt") == null, "the deleted file's entry is dropped");
        assertEquals(0, cache.size());
        assertEquals(0, cache.bytes());
        assertEquals(0, cache.watchedDirectories(), "no entry, no watch");
    }

    @Test
    void aChangeToAFileOrADirectoryOnItsWayDropsIt() throws IOException, InterruptedException {
        Path a = write("d/a.txt", "a");
        write("e/b.txt", "b");
        FileCache cache = cache(1 << 20, 16, 1 << 16);
        assertNotNull(fill(cache, "/d/a.txt"));
        assertNotNull(fill(cache, "/e/b.txt"));
        Files.writeString(a, "changed");
        Await.until(SEEN, () -> cache.get("d/a.txt") == null, "a written file's entry is dropped");
        assertNotNull(cache.get("e/b.txt"), "a change in one directory leaves the others' entries");

        Files.move(root.resolve("e"), root.resolve("e.old"));
        Await.until(SEEN, () -> cache.get("e/b.txt") == null, "a renamed directory's entries are dropped");
        // the new e/ is watched anew, not through the old directory's watch (a fill may race
        // the events of its making, and then holds nothing: fill until one is held)
        write("e/b.txt", "new b");
        Await.until(SEEN, () -> fill(cache, "/e/b.txt") != null && cache.get("e/b.txt") != null, "e/b.txt is held again");
        assertArrayEquals("new b".getBytes(StandardCharsets.UTF_8), cache.get("e/b.txt").body());
        Files.writeString(root.resolve("e/b.txt"), "newer b");
        Await.until(SEEN, () -> cache.get("e/b.txt") == null, "a change in the new directory is seen");
    }

    /** The file changes after it was read and before it is inserted: the fill answers with what it read, and holds nothing. */
    @Test
    void aChangeRacingTheFillIsNotHeld() throws IOException, InterruptedException {
        Path a = write("a.txt", "before");
        FileCache cache = cache(1 << 20, 16, 1 << 16);
        FileCache.Entry answered = fill(cache, "/a.txt", (file, body, modified) -> {
            long seen = cache.changes();
            try {
                Files.writeString(a, "after!");
                Await.until(SEEN, () -> cache.changes() > seen, "the watch thread takes the write in");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return entry(file, body, modified);
        });
        assertArrayEquals("before".getBytes(StandardCharsets.UTF_8), answered.body());
        assertNull(cache.get("a.txt"), "an entry read before a change is never held");
        assertEquals(0, cache.watchedDirectories(), "the failed fill gave its watches back");
        Await.until(SEEN, () -> fill(cache, "/a.txt") != null && cache.get("a.txt") != null, "a.txt is held once the writes are in");
        assertArrayEquals("after!".getBytes(StandardCharsets.UTF_8), cache.get("a.txt").body());
    }

    /** A write through another hard link would not be an event for this name, so such files are not held. */
    @Test
    void aFileWithAnotherHardLinkIsNotHeld() throws IOException {
        Path a = write("a.txt", "linked");
        Files.createLink(dir.resolve("elsewhere.txt"), a);
        FileCache cache = cache(1 << 20, 16, 1 << 16);
        assertNull(fill(cache, "/a.txt"));
        assertNull(cache.get("a.txt"));
        assertEquals(0, cache.watchedDirectories());
    }

    @Test
    void zeroBytesIsOff() throws IOException {
        write("a.txt", "a");
        FileCache cache = cache(0, 16, 1 << 16);
        assertFalse(cache.on());
        assertFalse(cache.admits(1));
        assertNull(fill(cache, "/a.txt"));
        assertNull(cache.get("a.txt"));
        assertEquals("", notices.toString(StandardCharsets.UTF_8), "off on purpose says nothing");
    }

    @Test
    void closedIsOff() throws IOException {
        write("a.txt", "a");
        FileCache cache = cache(1 << 20, 16, 1 << 16);
        assertNotNull(fill(cache, "/a.txt"));
        cache.close();
        assertFalse(cache.on());
        assertNull(cache.get("a.txt"));
        assertNull(fill(cache, "/a.txt"));
        assertEquals(0, cache.watchedDirectories());
        assertEquals("", notices.toString(StandardCharsets.UTF_8));
    }
}
