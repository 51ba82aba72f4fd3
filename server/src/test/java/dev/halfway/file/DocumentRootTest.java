package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resolution against a real tree. Every row runs under a timeout: a FIFO that got opened would
 * block, and that must fail the row rather than hang the build.
 *
 * <pre>
 * base/
 *   outside/secret.txt, outside/index.html        (never served unless links are followed)
 *   root/
 *     file.txt, a/b/c.txt, noindex/x.txt, withindex/{index.html,other.txt}
 *     indexdir/index.html/                        (a directory named index.html)
 *     link-inside -> file.txt, dirlink-inside -> a, rootlink -> (absolute) root
 *     link-outside -> ../outside/secret.txt, dirlink-outside -> ../outside
 *     indexlink/index.html -> ../../outside/secret.txt
 *     loop-a -> loop-b, loop-b -> loop-a, dangling -> nowhere
 *     fifo (mkfifo), fifolink -> fifo, fifoindex/index.html (mkfifo), dev-null-link -> /dev/null
 * </pre>
 */
class DocumentRootTest {
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    @TempDir
    static Path tempDir;
    static Path base;
    static Path root;

    @BeforeAll
    static void tree() throws Exception {
        base = tempDir.toRealPath();
        Path outside = Files.createDirectory(base.resolve("outside"));
        write(outside.resolve("secret.txt"), "secret");
        write(outside.resolve("index.html"), "<p>outside</p>");

        root = Files.createDirectory(base.resolve("root"));
        write(root.resolve("file.txt"), "hello");
        write(root.resolve("a/b/c.txt"), "abc");
        write(root.resolve("noindex/x.txt"), "x");
        write(root.resolve("withindex/index.html"), "<p>index</p>");
        write(root.resolve("withindex/other.txt"), "other");
        Files.createDirectories(root.resolve("indexdir/index.html"));

        Files.createSymbolicLink(root.resolve("link-inside"), Paths.get("file.txt"));
        Files.createSymbolicLink(root.resolve("dirlink-inside"), Paths.get("a"));
        Files.createSymbolicLink(root.resolve("rootlink"), root);
        Files.createSymbolicLink(root.resolve("link-outside"), Paths.get("../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("dirlink-outside"), Paths.get("../outside"));
        Files.createDirectory(root.resolve("indexlink"));
        Files.createSymbolicLink(root.resolve("indexlink/index.html"), Paths.get("../../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("loop-a"), Paths.get("loop-b"));
        Files.createSymbolicLink(root.resolve("loop-b"), Paths.get("loop-a"));
        Files.createSymbolicLink(root.resolve("dangling"), Paths.get("nowhere"));

        Files.createDirectory(root.resolve("fifoindex"));
        assertTrue(mkfifo(root.resolve("fifo")) && mkfifo(root.resolve("fifoindex/index.html")),
                "mkfifo (coreutils) must work: the FIFO rows are the point of this test");
        Files.createSymbolicLink(root.resolve("fifolink"), Paths.get("fifo"));
        Files.createSymbolicLink(root.resolve("dev-null-link"), Paths.get("/dev/null"));
    }

    /** The link to /dev/null leaves the temp dir; remove it so cleanup has nothing to warn about. */
    @AfterAll
    static void untangle() throws IOException {
        Files.deleteIfExists(root.resolve("dev-null-link"));
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private static boolean mkfifo(Path path) throws InterruptedException {
        try {
            int exit = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start().waitFor();
            return exit == 0 && Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
    }

    /** What a row expects; paths are relative to {@code base}. */
    sealed interface Expect {
        record File(String path) implements Expect { }

        record Directory(String path) implements Expect { }

        record Redirect(String location) implements Expect { }

        record Refused(Status status) implements Expect { }
    }

    private static Expect file(String path) {
        return new Expect.File(path);
    }

    private static Expect dir(String path) {
        return new Expect.Directory(path);
    }

    private static Expect redirect(String location) {
        return new Expect.Redirect(location);
    }

    private static Expect refused(Status status) {
        return new Expect.Refused(status);
    }

    /** A row that behaves the same whether or not links may leave the root. */
    private static Stream<Arguments> both(String name, String path, Expect expect) {
        return Stream.of(
                Arguments.of(Named.of(name + " [contained]", path), false, expect),
                Arguments.of(Named.of(name + " [follow]", path), true, expect));
    }

    /** A row about leaving the root: refused when contained, served when following. */
    private static Stream<Arguments> leaving(String name, String path, Expect whenFollowing) {
        return Stream.of(
                Arguments.of(Named.of(name + " [contained]", path), false, refused(Status.FORBIDDEN)),
                Arguments.of(Named.of(name + " [follow]", path), true, whenFollowing));
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                both("root without index lists", "/", dir("root")),
                both("file at root", "/file.txt", file("root/file.txt")),
                both("nested file", "/a/b/c.txt", file("root/a/b/c.txt")),
                both("dot segments inside root", "/a/./b/../b/c.txt", file("root/a/b/c.txt")),
                both("encoded name", "/fil%65.txt", file("root/file.txt")),
                both("directory without slash redirects", "/a", redirect("/a/")),
                both("nested directory redirects", "/a/b", redirect("/a/b/")),
                both("redirect keeps client encoding", "/%61", redirect("/%61/")),
                both("trailing dot is directory form", "/a/.", dir("root/a")),
                both("trailing dot-dot is directory form", "/a/b/..", dir("root/a")),
                both("directory without index", "/noindex/", dir("root/noindex")),
                both("directory with index serves it", "/withindex/", file("root/withindex/index.html")),
                both("directory with index redirects first", "/withindex", redirect("/withindex/")),
                both("file beside index", "/withindex/other.txt", file("root/withindex/other.txt")),
                both("index.html that is a directory", "/indexdir/", dir("root/indexdir")),
                both("file with trailing slash", "/file.txt/", refused(Status.NOT_FOUND)),
                both("file with trailing dot", "/file.txt/.", refused(Status.NOT_FOUND)),
                both("file used as directory", "/file.txt/x", refused(Status.NOT_FOUND)),
                both("missing file", "/missing", refused(Status.NOT_FOUND)),
                both("missing directory", "/missing/", refused(Status.NOT_FOUND)),
                both("missing parent", "/a/missing/x", refused(Status.NOT_FOUND)),
                both("link inside to inside", "/link-inside", file("root/file.txt")),
                both("through directory link inside", "/dirlink-inside/b/c.txt", file("root/a/b/c.txt")),
                both("directory link redirects", "/dirlink-inside", redirect("/dirlink-inside/")),
                both("absolute link to the root itself", "/rootlink/file.txt", file("root/file.txt")),
                both("symlink loop", "/loop-a", refused(Status.NOT_FOUND)),
                both("through symlink loop", "/loop-a/x", refused(Status.NOT_FOUND)),
                both("dangling link", "/dangling", refused(Status.NOT_FOUND)),
                both("traversal", "/../outside/secret.txt", refused(Status.FORBIDDEN)),
                both("encoded traversal", "/%2e%2e/outside/secret.txt", refused(Status.FORBIDDEN)),
                both("encoded slash", "/a%2fb", refused(Status.BAD_REQUEST)),
                both("empty segment", "//file.txt", refused(Status.BAD_REQUEST)),
                leaving("link to outside file", "/link-outside", file("outside/secret.txt")),
                leaving("through directory link to outside", "/dirlink-outside/secret.txt",
                        file("outside/secret.txt")),
                leaving("directory link to outside, listed", "/dirlink-outside/", file("outside/index.html")),
                leaving("directory link to outside, redirect", "/dirlink-outside", redirect("/dirlink-outside/")),
                leaving("index.html linking outside", "/indexlink/", file("outside/secret.txt")))
                .flatMap(rows -> rows);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void resolves(String path, boolean followSymlinks, Expect expect) {
        DocumentRoot documentRoot = new DocumentRoot(root, followSymlinks);
        assertTimeoutPreemptively(PATIENCE, () -> check(documentRoot, path, expect));
    }

    static Stream<Arguments> specialFiles() {
        return Stream.of(
                both("FIFO", "/fifo", refused(Status.FORBIDDEN)),
                both("link to FIFO", "/fifolink", refused(Status.FORBIDDEN)),
                both("FIFO named index.html", "/fifoindex/", refused(Status.FORBIDDEN)),
                both("device outside root", "/dev-null-link", refused(Status.FORBIDDEN)))
                .flatMap(rows -> rows);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specialFiles")
    void refusesSpecialFilesWithoutOpeningThem(String path, boolean followSymlinks, Expect expect) {
        DocumentRoot documentRoot = new DocumentRoot(root, followSymlinks);
        assertTimeoutPreemptively(PATIENCE, () -> check(documentRoot, path, expect));
    }

    private static void check(DocumentRoot documentRoot, String path, Expect expect) throws IOException {
        if (expect instanceof Expect.Refused refused) {
            HttpError error = assertThrows(HttpError.class, () -> documentRoot.resolve(path));
            assertEquals(refused.status(), error.status(), error.reason());
            return;
        }
        Resolution resolution = documentRoot.resolve(path);
        Optional<DocumentRoot.Lookups> lookups = documentRoot.lookups(RequestPath.parse(path));
        if (expect instanceof Expect.File file) {
            Path expected = base.resolve(file.path());
            assertEquals(new Resolution.File(expected, Files.size(expected), Files.getLastModifiedTime(expected)),
                    resolution);
            // The walk the file cache watches ends where the resolution does.
            assertEquals(expected, lookups.map(DocumentRoot.Lookups::file).orElse(null), "lookups of " + path);
        } else {
            assertEquals(Optional.empty(), lookups, "a walk to no regular file");
        }
        if (expect instanceof Expect.Directory directory) {
            Path expected = base.resolve(directory.path());
            assertEquals(new Resolution.Directory(expected, Files.getLastModifiedTime(expected)), resolution);
        } else if (expect instanceof Expect.Redirect redirect) {
            assertEquals(new Resolution.Redirect(redirect.location()), resolution);
        }
    }

    /** Every name the kernel looks up on the way, in its real directory: what the file cache watches. */
    @Test
    void lookupsNameEveryNameOnTheWay() {
        DocumentRoot documentRoot = new DocumentRoot(root, false);
        assertEquals(List.of(root, root.resolve("a"), root.resolve("a/b"), root.resolve("a/b/c.txt")),
                documentRoot.lookups(RequestPath.parse("/a/b/c.txt")).orElseThrow().names());
        assertEquals(List.of(root.getParent(), root, root.resolve("a"), root.resolve("a/b")),
                documentRoot.lookups(RequestPath.parse("/a/b/c.txt")).orElseThrow().directories());
        // a link: the link's name, then its target's names from the link's directory
        assertEquals(List.of(root, root.resolve("dirlink-inside"), root.resolve("a"), root.resolve("a/b"),
                        root.resolve("a/b/c.txt")),
                documentRoot.lookups(RequestPath.parse("/dirlink-inside/b/c.txt")).orElseThrow().names());
        // a directory form ends at its index.html
        assertEquals(List.of(root, root.resolve("withindex"), root.resolve("withindex/index.html")),
                documentRoot.lookups(RequestPath.parse("/withindex/")).orElseThrow().names());
        // an absolute link is walked from "/", every directory on the way
        DocumentRoot.Lookups absolute = documentRoot.lookups(RequestPath.parse("/rootlink/file.txt")).orElseThrow();
        assertEquals(root.resolve("file.txt"), absolute.file());
        assertTrue(absolute.names().contains(root.resolve("rootlink")), absolute.toString());
        assertTrue(absolute.directories().contains(root.getRoot()), absolute.toString());
        // a walk out of the root is still a walk: confinement is resolve()'s, not this
        assertEquals(base.resolve("outside/secret.txt"),
                documentRoot.lookups(RequestPath.parse("/link-outside")).orElseThrow().file());
    }

    @Test
    void keepsTheRealRoot() throws IOException {
        Path alias = Files.createSymbolicLink(base.resolve("root-alias"), root);
        DocumentRoot documentRoot = new DocumentRoot(alias, false);
        assertEquals(root, documentRoot.root());
        assertEquals(new Resolution.Redirect("/a/"), documentRoot.resolve("/a"));
        assertEquals(root.resolve("file.txt"),
                ((Resolution.File) documentRoot.resolve("/file.txt")).path());
    }

    static Stream<Arguments> badRoots() {
        return Stream.of(
                Arguments.of(Named.of("missing", "no-such-dir"), "does not exist"),
                Arguments.of(Named.of("a regular file", "root/file.txt"), "not a directory"),
                Arguments.of(Named.of("a dangling link", "root/dangling"), "does not exist"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRoots")
    void refusesBadRoot(String path, String message) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new DocumentRoot(base.resolve(path), false));
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }
}
