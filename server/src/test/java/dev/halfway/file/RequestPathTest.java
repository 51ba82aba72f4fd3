package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RequestPathTest {

    /** An accepted path: its segments and whether it is in directory form. */
    private static Arguments ok(String name, String input, boolean trailing, String... segments) {
        return Arguments.of(Named.of(name, input), List.of(segments), trailing);
    }

    /** A refused path and the status it is refused with. */
    private static Arguments no(String name, String input, Status status) {
        return Arguments.of(Named.of(name, input), status);
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                ok("root", "/", true),
                ok("file at root", "/index.html", false, "index.html"),
                ok("nested file", "/a/b/c.txt", false, "a", "b", "c.txt"),
                ok("directory form", "/a/", true, "a"),
                ok("nested directory form", "/a/b/", true, "a", "b"),
                ok("dot segment dropped", "/a/./b", false, "a", "b"),
                ok("dot-dot pops", "/a/../b", false, "b"),
                ok("dot-dot back to root", "/a/..", true),
                ok("dot-dot back to root with slash", "/a/../", true),
                ok("trailing dot is directory form", "/a/.", true, "a"),
                ok("trailing dot-dot is directory form", "/a/b/..", true, "a"),
                ok("root dot", "/.", true),
                ok("encoded dot is dot", "/a/%2e/b", false, "a", "b"),
                ok("encoded trailing dot", "/a/%2E", true, "a"),
                ok("encoded dot-dot inside root", "/a/%2e%2e/b", false, "b"),
                ok("tilde encoded", "/%7Euser", false, "~user"),
                ok("tilde raw", "/~user/", true, "~user"),
                ok("utf-8 upper hex", "/caf%C3%A9", false, "café"),
                ok("utf-8 lower hex", "/caf%c3%a9", false, "café"),
                ok("four-byte utf-8", "/%F0%9F%98%80.txt", false, "\uD83D\uDE00.txt"),
                ok("encoded space", "/a%20b", false, "a b"),
                ok("encoded percent", "/100%25", false, "100%"),
                ok("double encoding decodes once", "/%252e%252e/x", false, "%2e%2e", "x"),
                ok("three dots are a name", "/.../x", false, "...", "x"),
                ok("dot-prefixed name", "/.well-known/a", false, ".well-known", "a"),
                ok("dots inside a name", "/a..b", false, "a..b"),
                ok("sub-delims and colon", "/a:b;c=d,e!$&'()*+@", false, "a:b;c=d,e!$&'()*+@"));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                no("dot-dot above root", "/..", Status.FORBIDDEN),
                no("dot-dot above root with slash", "/../", Status.FORBIDDEN),
                no("classic traversal", "/../etc/passwd", Status.FORBIDDEN),
                no("encoded dot-dot", "/%2e%2e/x", Status.FORBIDDEN),
                no("upper-case encoded dot-dot", "/%2E%2E/x", Status.FORBIDDEN),
                no("half encoded dot-dot", "/.%2e/x", Status.FORBIDDEN),
                no("other half encoded dot-dot", "/%2e./x", Status.FORBIDDEN),
                no("climb after descent", "/a/../../x", Status.FORBIDDEN),
                no("climb late", "/a/b/../../../etc/passwd", Status.FORBIDDEN),
                no("encoded slash traversal", "/a%2f..%2f..%2fetc", Status.BAD_REQUEST),
                no("encoded slash after dot-dot", "/..%2fetc", Status.BAD_REQUEST),
                no("upper-case encoded slash", "/a%2Fb", Status.BAD_REQUEST),
                no("overlong dot-dot (2 byte)", "/%c0%ae%c0%ae/x", Status.BAD_REQUEST),
                no("overlong dot (3 byte)", "/%e0%80%ae", Status.BAD_REQUEST),
                no("overlong slash", "/a%c0%afb", Status.BAD_REQUEST),
                no("encoded surrogate", "/%ed%a0%80", Status.BAD_REQUEST),
                no("lone continuation byte", "/%80", Status.BAD_REQUEST),
                no("truncated utf-8", "/caf%C3", Status.BAD_REQUEST),
                no("latin-1 byte", "/caf%E9", Status.BAD_REQUEST),
                no("encoded NUL", "/%00", Status.BAD_REQUEST),
                no("encoded NUL inside name", "/a%00b", Status.BAD_REQUEST),
                no("encoded NUL before extension", "/secret.php%00.txt", Status.BAD_REQUEST),
                no("encoded CR LF", "/%0d%0a", Status.BAD_REQUEST),
                no("encoded tab", "/a%09b", Status.BAD_REQUEST),
                no("encoded DEL", "/a%7fb", Status.BAD_REQUEST),
                no("encoded C1 control", "/a%c2%85b", Status.BAD_REQUEST),
                no("lone percent", "/%", Status.BAD_REQUEST),
                no("percent one digit", "/%4", Status.BAD_REQUEST),
                no("percent non-hex", "/%zz", Status.BAD_REQUEST),
                no("percent half hex", "/%4g", Status.BAD_REQUEST),
                no("percent at segment end", "/a%/b", Status.BAD_REQUEST),
                no("encoded backslash", "/a%5cb", Status.BAD_REQUEST),
                no("encoded backslash traversal", "/..%5c..%5cetc", Status.BAD_REQUEST),
                no("backslash traversal", "/\\..\\x", Status.BAD_REQUEST),
                no("backslash in name", "/a\\b", Status.BAD_REQUEST),
                no("empty segment", "/a//b", Status.BAD_REQUEST),
                no("double leading slash", "//etc/passwd", Status.BAD_REQUEST),
                no("only slashes", "//", Status.BAD_REQUEST),
                no("empty segment before trailing slash", "/a//", Status.BAD_REQUEST),
                no("relative", "relative", Status.BAD_REQUEST),
                no("empty", "", Status.BAD_REQUEST),
                no("asterisk-form", "*", Status.BAD_REQUEST),
                no("absolute-form", "http://example.com/", Status.BAD_REQUEST),
                no("raw space", "/a b", Status.BAD_REQUEST),
                no("raw CR LF", "/a\r\nSet-Cookie:x", Status.BAD_REQUEST),
                no("raw NUL", "/a\0", Status.BAD_REQUEST),
                no("raw non-ASCII", "/café", Status.BAD_REQUEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void resolvesSegments(String input, List<String> segments, boolean trailing) {
        assertEquals(segments, RequestPath.segments(input));
        assertEquals(trailing, RequestPath.hasTrailingSlash(input));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refuses(String input, Status status) {
        HttpError fromSegments = assertThrows(HttpError.class, () -> RequestPath.segments(input));
        assertEquals(status, fromSegments.status());
        HttpError fromTrailing = assertThrows(HttpError.class, () -> RequestPath.hasTrailingSlash(input));
        assertEquals(status, fromTrailing.status());
        assertReasonIsFixedText(fromSegments, input);
    }

    @Test
    void refusesNull() {
        assertEquals(Status.BAD_REQUEST,
                assertThrows(HttpError.class, () -> RequestPath.segments(null)).status());
    }

    /** The reason goes to the access log; it must never carry request bytes. */
    private static void assertReasonIsFixedText(HttpError error, String input) {
        String reason = error.reason();
        if (input.length() > 2) {
            assertEquals(-1, reason.indexOf(input), () -> "reason echoes the request: " + reason);
        }
        if (error.status() == Status.FORBIDDEN) {
            assertEquals("path escapes the document root", reason);
        }
    }
}
