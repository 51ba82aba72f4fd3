package dev.halfway.file;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MimeTypesTest {
    private static final String UTF8 = "; charset=utf-8";

    private static Arguments row(String fileName, String contentType) {
        return Arguments.of(Named.of(fileName, fileName), contentType);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                row("index.html", "text/html" + UTF8),
                row("old.htm", "text/html" + UTF8),
                row("INDEX.HTML", "text/html" + UTF8),
                row("Page.HtMl", "text/html" + UTF8),
                row("site.css", "text/css" + UTF8),
                row("app.js", "text/javascript" + UTF8),
                row("module.mjs", "text/javascript" + UTF8),
                row("data.json", "application/json" + UTF8),
                row("app.js.map", "application/json" + UTF8),
                row("site.webmanifest", "application/manifest+json" + UTF8),
                row("notes.txt", "text/plain" + UTF8),
                row("notes.text", "text/plain" + UTF8),
                row("server.log", "text/plain" + UTF8),
                row("README.md", "text/markdown" + UTF8),
                row("table.csv", "text/csv" + UTF8),
                row("feed.xml", "application/xml" + UTF8),
                row("logo.svg", "image/svg+xml" + UTF8),
                row("a.png", "image/png"),
                row("a.jpg", "image/jpeg"),
                row("a.JPEG", "image/jpeg"),
                row("a.gif", "image/gif"),
                row("a.webp", "image/webp"),
                row("a.avif", "image/avif"),
                row("favicon.ico", "image/vnd.microsoft.icon"),
                row("a.bmp", "image/bmp"),
                row("paper.pdf", "application/pdf"),
                row("app.wasm", "application/wasm"),
                row("f.woff", "font/woff"),
                row("f.woff2", "font/woff2"),
                row("f.ttf", "font/ttf"),
                row("f.otf", "font/otf"),
                row("v.mp4", "video/mp4"),
                row("v.webm", "video/webm"),
                row("s.mp3", "audio/mpeg"),
                row("s.ogg", "audio/ogg"),
                row("s.wav", "audio/wav"),
                row("a.zip", "application/zip"),
                row("a.tar.gz", "application/gzip"),
                row("a.tar", "application/x-tar"),
                row("unknown.xyz", "application/octet-stream"),
                row("Makefile", "application/octet-stream"),
                row(".htaccess", "application/octet-stream"),
                row(".html", "application/octet-stream"),
                row("trailing.", "application/octet-stream"),
                row("html", "application/octet-stream"),
                row("archive.html.bak", "application/octet-stream"),
                row("caf\u00e9.txt", "text/plain" + UTF8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void contentType(String fileName, String contentType) {
        assertEquals(contentType, MimeTypes.contentType(fileName));
    }

    static Stream<Arguments> textRule() {
        return Stream.of(
                Arguments.of("text/plain", true),
                Arguments.of("text/html", true),
                Arguments.of("TEXT/CSS", true),
                Arguments.of("application/json", true),
                Arguments.of("application/xml", true),
                Arguments.of("image/svg+xml", true),
                Arguments.of("application/manifest+json", true),
                Arguments.of("application/octet-stream", false),
                Arguments.of("application/javascript-not", false),
                Arguments.of("image/png", false),
                Arguments.of("application/gzip", false));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("textRule")
    void isText(String mediaType, boolean text) {
        assertEquals(text, MimeTypes.isText(mediaType));
    }
}
