package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

class DirectoryListingTest {
    private static final FileTime TIME = FileTime.from(Instant.parse("2024-05-06T07:08:09Z"));

    private static DirectoryListing.Entry file(String name) {
        return new DirectoryListing.Entry(name, false, 42, TIME);
    }

    private static DirectoryListing.Entry dir(String name) {
        return new DirectoryListing.Entry(name, true, 4096, TIME);
    }

    private static DynamicTest contains(String name, String page, String fragment) {
        return dynamicTest(name, () -> assertTrue(page.contains(fragment),
                () -> "missing " + fragment + " in\n" + page));
    }

    private static DynamicTest lacks(String name, String page, String fragment) {
        return dynamicTest(name, () -> assertFalse(page.contains(fragment),
                () -> "unexpected " + fragment + " in\n" + page));
    }

    @TestFactory
    Stream<DynamicTest> html() {
        String hostile = "<script>&\"x'.txt";
        String page = DirectoryListing.html("/caf%C3%A9/%3Cb%3E/",
                List.of(dir("sub dir"), file(hostile), file("café.txt"), file("a:b"), file("q?#%.txt")));
        String root = DirectoryListing.html("/", List.of(file("index.txt")));
        return Stream.of(
                dynamicTest("starts with doctype", () -> assertTrue(page.startsWith("<!DOCTYPE html>"))),
                contains("declares utf-8", page, "<meta charset=\"utf-8\">"),
                contains("title shows decoded, escaped path", page, "<title>Index of /café/&lt;b&gt;/</title>"),
                contains("h1 shows decoded, escaped path", page, "<h1>Index of /café/&lt;b&gt;/</h1>"),
                lacks("no raw markup from the path", page, "<b>"),
                contains("parent link below root", page, "<a href=\"../\">../</a>"),
                contains("directory gets trailing slash", page, "<a href=\"sub%20dir/\">sub dir/</a>"),
                contains("hostile name encoded in href and escaped in text", page,
                        "<a href=\"%3Cscript%3E%26%22x%27.txt\">&lt;script&gt;&amp;&quot;x&#39;.txt</a>"),
                lacks("no raw script tag", page, "<script>"),
                contains("utf-8 name percent-encoded", page, "<a href=\"caf%C3%A9.txt\">café.txt</a>"),
                contains("colon cannot become a scheme", page, "<a href=\"a%3Ab\">a:b</a>"),
                contains("query, fragment and percent encoded", page, "<a href=\"q%3F%23%25.txt\">q?#%.txt</a>"),
                contains("size shown for files", page, "<td>42</td>"),
                contains("modification time in UTC", page, "2024-05-06 07:08:09 UTC"),
                dynamicTest("entries in given order", () -> {
                    int sub = page.indexOf("sub%20dir/");
                    int cafe = page.indexOf("caf%C3%A9.txt");
                    assertTrue(sub > 0 && cafe > sub, page);
                }),
                contains("root title", root, "<title>Index of /</title>"),
                lacks("no parent link at root", root, "../"),
                contains("root entry", root, "<a href=\"index.txt\">index.txt</a>"),
                dynamicTest("dot-resolved path shown", () -> assertTrue(
                        DirectoryListing.html("/a/b/../", List.of()).contains("<h1>Index of /a/</h1>"))),
                dynamicTest("path back at root has no parent link", () -> assertFalse(
                        DirectoryListing.html("/a/..", List.of()).contains("../"))));
    }

    @Test
    void refusesAHostilePath() {
        assertEquals(Status.FORBIDDEN,
                assertThrows(HttpError.class, () -> DirectoryListing.html("/..", List.of())).status());
    }

    @TestFactory
    Stream<DynamicTest> read(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("b.txt"), "bb");
        Files.writeString(dir.resolve("A.txt"), "a");
        Files.writeString(dir.resolve(".hidden"), "");
        Files.createDirectory(dir.resolve("zdir"));
        Files.createDirectory(dir.resolve("adir"));
        Files.createSymbolicLink(dir.resolve("link-to-dir"), Paths.get("adir"));
        Files.createSymbolicLink(dir.resolve("link-to-file"), Paths.get("b.txt"));
        Files.createSymbolicLink(dir.resolve("dangling"), Paths.get("nowhere"));
        Files.createSymbolicLink(dir.resolve("loop"), Paths.get("loop"));

        List<DirectoryListing.Entry> entries = DirectoryListing.read(dir);
        List<String> names = entries.stream().map(DirectoryListing.Entry::name).toList();
        Predicate<String> isDirectory = name -> entries.stream()
                .filter(e -> e.name().equals(name)).findFirst().orElseThrow().directory();
        return Stream.of(
                dynamicTest("directories first, then by name; unreadable attributes skipped",
                        () -> assertEquals(List.of("adir", "link-to-dir", "zdir",
                                ".hidden", "A.txt", "b.txt", "link-to-file"), names)),
                dynamicTest("link to directory is a directory", () -> assertTrue(isDirectory.test("link-to-dir"))),
                dynamicTest("file is not a directory", () -> assertFalse(isDirectory.test("b.txt"))),
                dynamicTest("sizes", () -> assertEquals(2, entries.get(names.indexOf("b.txt")).size())),
                dynamicTest("link to file has the target's size",
                        () -> assertEquals(2, entries.get(names.indexOf("link-to-file")).size())),
                dynamicTest("missing directory is 404", () -> assertEquals(Status.NOT_FOUND,
                        assertThrows(HttpError.class, () -> DirectoryListing.read(dir.resolve("nope"))).status())),
                dynamicTest("a file is not a directory: 404", () -> assertEquals(Status.NOT_FOUND,
                        assertThrows(HttpError.class, () -> DirectoryListing.read(dir.resolve("b.txt"))).status())));
    }

    @Test
    void entryRefusesNonNames() {
        for (String name : List.of("", ".", "..", "a/b")) {
            assertThrows(IllegalArgumentException.class, () -> file(name), name);
        }
    }
}
