package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.file.RequestPath;
import dev.halfway.testing.Await;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The small-file cache never serves a file stale for longer than it takes the watch to see the
 * change: through the real server (cache on, as by default), a file is first cached (a request
 * reads it in, and it is held), then changed in one of the ways a file or a path can change, and
 * requests must show the change within a second (the README's bound). Every response on the way
 * is either the old answer, the new one, or a named transitional one (a writer that truncates
 * and then writes passes through the empty file), and once the new answer has been served no
 * request ever gets the old one again.
 *
 * <pre>
 * base/outside/f.txt        a file outside the root
 * base/root/                the document root; each row lays out its own part of it
 * </pre>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CacheInvalidationTest {
    /** The staleness bound the README states, and the tests check. */
    static final Duration BOUND = Duration.ofSeconds(1);
    /** Requests after the new answer first came, each of which must give it again. */
    static final int AFTERWARDS = 10;

    @TempDir
    static Path tmp;
    static Path base;
    static Path root;
    static TestServer server;

    @BeforeAll
    static void start() throws IOException {
        base = tmp.toRealPath();
        Files.createDirectories(base.resolve("outside"));
        Files.writeString(base.resolve("outside/f.txt"), "outside the root\n");
        root = Files.createDirectories(base.resolve("root"));
        server = new TestServer(root);
        assertTrue(server.server.files().on(), "the cache is on by default");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** An answer: a status and, for 200, the body. */
    record Answer(int status, String body) {
        static Answer ok(String body) {
            return new Answer(200, body);
        }

        static Answer of(RawClient.Reply reply) {
            return new Answer(reply.status(), reply.status() == 200 ? new String(reply.body(), StandardCharsets.UTF_8) : null);
        }
    }

    @FunctionalInterface
    interface Step {
        void run(Path root) throws IOException;
    }

    /** A row: lay out, ask for {@code target} (and get {@code before}), change, and get {@code after}. */
    record Row(String name, String target, Step layOut, Answer before, Step change, Answer after, Set<Answer> passing) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Answer notFound() {
        return new Answer(404, null);
    }

    static Stream<Row> changes() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("modify in place, same size", "/same.txt",
                r -> write(r.resolve("same.txt"), "old content\n"),
                Answer.ok("old content\n"),
                r -> {
                    try (FileChannel f = FileChannel.open(r.resolve("same.txt"), StandardOpenOption.WRITE)) {
                        f.write(ByteBuffer.wrap("new content\n".getBytes(StandardCharsets.UTF_8)), 0);
                    }
                },
                Answer.ok("new content\n"), Set.of()));
        rows.add(new Row("modify in place, another size", "/grow/f.txt",
                r -> write(r.resolve("grow/f.txt"), "old\n"),
                Answer.ok("old\n"),
                r -> Files.writeString(r.resolve("grow/f.txt"), "new and longer\n"),
                Answer.ok("new and longer\n"), Set.of(Answer.ok(""))));
        rows.add(new Row("truncate", "/trunc/f.txt",
                r -> write(r.resolve("trunc/f.txt"), "old content\n"),
                Answer.ok("old content\n"),
                r -> {
                    try (FileChannel f = FileChannel.open(r.resolve("trunc/f.txt"), StandardOpenOption.WRITE)) {
                        f.truncate(4);
                    }
                },
                Answer.ok("old "), Set.of()));
        rows.add(new Row("delete", "/gone/f.txt",
                r -> write(r.resolve("gone/f.txt"), "old\n"),
                Answer.ok("old\n"),
                r -> Files.delete(r.resolve("gone/f.txt")),
                notFound(), Set.of()));
        rows.add(new Row("rename over", "/over/f.txt",
                r -> write(r.resolve("over/f.txt"), "old\n"),
                Answer.ok("old\n"),
                r -> {
                    Path next = write(r.resolve("over/f.txt.next"), "renamed over\n");
                    Files.move(next, r.resolve("over/f.txt"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                },
                Answer.ok("renamed over\n"), Set.of()));
        rows.add(new Row("replace the parent directory", "/parent/d/f.txt",
                r -> write(r.resolve("parent/d/f.txt"), "old\n"),
                Answer.ok("old\n"),
                r -> {
                    write(r.resolve("parent/d.next/f.txt"), "new parent\n");
                    Files.move(r.resolve("parent/d"), r.resolve("parent/d.old"), StandardCopyOption.ATOMIC_MOVE);
                    Files.move(r.resolve("parent/d.next"), r.resolve("parent/d"), StandardCopyOption.ATOMIC_MOVE);
                },
                Answer.ok("new parent\n"), Set.of(notFound())));
        rows.add(new Row("replace a directory two levels up", "/grand/p/q/f.txt",
                r -> write(r.resolve("grand/p/q/f.txt"), "old\n"),
                Answer.ok("old\n"),
                r -> {
                    write(r.resolve("grand/p.next/q/f.txt"), "new grandparent\n");
                    Files.move(r.resolve("grand/p"), r.resolve("grand/p.old"), StandardCopyOption.ATOMIC_MOVE);
                    Files.move(r.resolve("grand/p.next"), r.resolve("grand/p"), StandardCopyOption.ATOMIC_MOVE);
                },
                Answer.ok("new grandparent\n"), Set.of(notFound())));
        rows.add(new Row("swap a directory link in the path", "/links/current/f.txt",
                r -> {
                    write(r.resolve("links/release-1/f.txt"), "release 1\n");
                    write(r.resolve("links/release-2/f.txt"), "release 2\n");
                    Files.createSymbolicLink(r.resolve("links/current"), Path.of("release-1"));
                },
                Answer.ok("release 1\n"),
                r -> swapLink(r.resolve("links/current"), Path.of("release-2")),
                Answer.ok("release 2\n"), Set.of()));
        rows.add(new Row("swap a link to the file", "/flink/f.txt",
                r -> {
                    write(r.resolve("flink/a.txt"), "a\n");
                    write(r.resolve("flink/b.txt"), "b\n");
                    Files.createSymbolicLink(r.resolve("flink/f.txt"), Path.of("a.txt"));
                },
                Answer.ok("a\n"),
                r -> swapLink(r.resolve("flink/f.txt"), Path.of("b.txt")),
                Answer.ok("b\n"), Set.of()));
        rows.add(new Row("modify the file behind a directory link", "/behind/current/f.txt",
                r -> {
                    write(r.resolve("behind/release/f.txt"), "old\n");
                    Files.createSymbolicLink(r.resolve("behind/current"), Path.of("release"));
                },
                Answer.ok("old\n"),
                r -> Files.writeString(r.resolve("behind/release/f.txt"), "new behind the link\n"),
                Answer.ok("new behind the link\n"), Set.of(Answer.ok(""))));
        rows.add(new Row("swap a link to lead out of the root: refused again", "/escape/current/f.txt",
                r -> {
                    write(r.resolve("escape/inside/f.txt"), "inside\n");
                    Files.createSymbolicLink(r.resolve("escape/current"), Path.of("inside"));
                },
                Answer.ok("inside\n"),
                r -> swapLink(r.resolve("escape/current"), base.resolve("outside")),
                new Answer(403, null), Set.of()));
        rows.add(new Row("modify a directory's index.html", "/idx/",
                r -> write(r.resolve("idx/index.html"), "<p>old</p>\n"),
                Answer.ok("<p>old</p>\n"),
                r -> Files.writeString(r.resolve("idx/index.html"), "<p>new index</p>\n"),
                Answer.ok("<p>new index</p>\n"), Set.of(Answer.ok(""))));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aChangeIsSeenWithinTheBound(Row row) throws Exception {
        row.layOut().run(root);
        String key = RequestPath.parse(row.target()).key();
        // The first request reads the file in; a fill that races the layout's own events holds
        // nothing, so ask until the file is held.
        Await.until(Duration.ofSeconds(5), () -> row.before().equals(get(row.target())) && server.server.files().get(key) != null,
                () -> row.target() + " is served as " + row.before() + " and held");
        assertEquals(row.before(), get(row.target()), "a hit");
        assertNotNull(server.server.files().get(key));

        row.change().run(root);
        long changed = System.nanoTime();
        List<Answer> seen = new ArrayList<>();
        Await.until(BOUND, () -> {
            Answer a = get(row.target());
            seen.add(a);
            assertTrue(a.equals(row.before()) || a.equals(row.after()) || row.passing().contains(a),
                    () -> "an answer that is neither the old, the new nor a passing one: " + a);
            return a.equals(row.after());
        }, () -> "the change is served; answers so far: " + seen);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed);
        for (int i = 0; i < AFTERWARDS; i++) {
            assertEquals(row.after(), get(row.target()), "once the new answer was served, never the old one");
        }
        System.out.println("CacheInvalidationTest: " + row.name() + ": seen after " + millis + " ms, "
                + seen.size() + " requests");
    }

    static Answer get(String target) throws IOException {
        try (RawClient c = new RawClient(server.port())) {
            return Answer.of(c.send("GET " + target + " HTTP/1.0\r\n\r\n").halfClose().readAll());
        }
    }

    static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    /** Retargets a link in one step, as deployments do: a new link renamed over the old one. */
    static void swapLink(Path link, Path target) throws IOException {
        Path next = link.resolveSibling(link.getFileName() + ".next");
        Files.createSymbolicLink(next, target);
        Files.move(next, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
