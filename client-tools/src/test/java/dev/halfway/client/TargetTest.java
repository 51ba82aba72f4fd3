package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --target}: the forms it takes, what paths and Host headers they give, and what it refuses. */
class TargetTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("127.0.0.1:8080", new Target("127.0.0.1", 8080, "", false), "/hc-small.txt", "127.0.0.1:8080"),
                Arguments.of("[::1]:8080", new Target("::1", 8080, "", false), "/hc-small.txt", "[::1]:8080"),
                Arguments.of("localhost:80", new Target("localhost", 80, "", false), "/hc-small.txt", "localhost"),
                Arguments.of("http://127.0.0.1:8080", new Target("127.0.0.1", 8080, "", false), "/hc-small.txt", "127.0.0.1:8080"),
                Arguments.of("http://127.0.0.1:8080/", new Target("127.0.0.1", 8080, "", false), "/hc-small.txt", "127.0.0.1:8080"),
                Arguments.of("http://example.com/site/", new Target("example.com", 80, "/site", false), "/site/hc-small.txt", "example.com"),
                Arguments.of("HTTP://example.com:8000/a/b", new Target("example.com", 8000, "/a/b", false), "/a/b/hc-small.txt", "example.com:8000"),
                Arguments.of("https://example.com/site", new Target("example.com", 443, "/site", true), "/site/hc-small.txt", "example.com"),
                Arguments.of("https://[::1]:8443/", new Target("::1", 8443, "", true), "/hc-small.txt", "[::1]:8443"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void parses(String text, Target expected, String path, String host) {
        Target t = Target.parse(text);
        assertEquals(expected, t);
        assertEquals(path, t.path("hc-small.txt"));
        assertEquals(path, t.path("/hc-small.txt"), "a leading slash changes nothing");
        assertEquals(host, t.hostHeader());
    }

    @Test
    void aTrailingSlashIsKept() {
        assertEquals("/site/docs/", Target.parse("http://h/site").path("docs/"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1:http", "127.0.0.1:0", "127.0.0.1:70000", ":80", "::1:80", "ftp://h/",
            "http://h:99999/", "http://h/?q=1", "http://h/#top", "http://user@h/", "http:///x", "h:80/x"})
    void refuses(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Target.parse(text));
        assertTrue(e.getMessage().startsWith("--target must be http://HOST:PORT[/prefix]"), e.getMessage());
        assertTrue(e.getMessage().endsWith("'" + text + "'"), e.getMessage());
    }
}
