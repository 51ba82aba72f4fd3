package dev.halfway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.Product;
import dev.halfway.io.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.TypeConversionException;

/**
 * The command line, for arguments that make {@link Main#run} return: help, version, and every way
 * of being refused. Each run is bounded so that a refusal that starts serving fails instead of hanging.
 */
class MainTest {

    @TempDir
    Path root;

    record Run(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + "\n--- out:\n" + out + "\n--- err:\n" + err;
        }
    }

    static Run run(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit;
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                exit = Main.run(args, o, e);
            }
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }, () -> "Main.run did not return for " + List.of(args) + " (is it serving?)");
    }

    /** A refusal: its exit code, and one clear "halfway-server:" line first on stderr, no stack trace. */
    static void assertRefused(Run r, int exit, String mentions) {
        assertEquals(exit, r.exit(), r::describe);
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("halfway-server: "), r::describe);
        assertTrue(first.contains(mentions), () -> "first line should mention '" + mentions + "':\n" + r.describe());
        assertFalse(r.err().contains("Exception"), r::describe);
        assertFalse(r.err().contains("\tat "), r::describe);
        assertFalse(r.out().contains("serving"), r::describe);
    }

    @Test
    void help() {
        Run r = run("--help");
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.out().contains("Usage: halfway-server"), r::describe);
        for (String option : List.of("--port", "--root", "--access-log", "--access-log-file", "--linger", "--follow-symlinks", "--no-listing")) {
            assertTrue(r.out().contains(option), () -> option + " in usage:\n" + r.describe());
        }
        assertEquals("", r.err(), r::describe);
    }

    /**
     * Every option's default as the help and the README's Options table show it. The values are
     * ServerConfig's (see {@link #noOptionsGiveServerConfigsDefaults}); written out here so that a
     * change to one is a change to what users read, made on purpose.
     */
    static final Map<String, String> SHOWN_DEFAULTS = shownDefaults();

    private static Map<String, String> shownDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--host", "127.0.0.1");
        m.put("--port", "8080");
        m.put("--root", "www");
        m.put("--access-log", "clf");
        m.put("--linger", "2s");
        m.put("--linger-bytes", "1MiB");
        m.put("--head-timeout", "10s");
        m.put("--write-timeout", "30s");
        m.put("--drain-timeout", "10s");
        m.put("--max-request-line", "8KiB");
        m.put("--max-head", "16KiB");
        m.put("--max-fields", "100");
        m.put("--max-body", "1MiB");
        m.put("--max-connections", "10000");
        m.put("--cache-bytes", "16MiB");
        m.put("--cache-entries", "4096");
        m.put("--cache-file-max", "64KiB");
        m.put("--proxy-from", "127.0.0.0/8,::1/128");
        return m;
    }

    @Test
    void helpShowsEachDefault() {
        Run r = run("--help");
        assertEquals(0, r.exit(), r::describe);
        String help = r.out().replaceAll("\\s+", " "); // descriptions wrap
        Map<String, String> shown = new LinkedHashMap<>();
        for (String option : SHOWN_DEFAULTS.keySet()) {
            // The option in the list (not the synopsis), then the first "(default: ...)" before the next option.
            Matcher m = Pattern.compile(" " + Pattern.quote(option) + "=\\S+ ((?:(?! --[a-z-]+=).)*?)\\(default: ([^)]*)\\)")
                    .matcher(help);
            shown.put(option, m.find() ? m.group(2) : "(none)");
        }
        assertEquals(SHOWN_DEFAULTS, shown, r::describe);
    }

    @Test
    void readmeOptionsTableShowsTheSameDefaults() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("..").toAbsolutePath().normalize().resolve("README.md"));
        int start = readme.indexOf("## Options");
        assertTrue(start >= 0, "README.md has an Options section");
        Map<String, String> documented = new LinkedHashMap<>();
        // Rows look like: | `--port N` | `8080` | meaning |
        Pattern row = Pattern.compile("\\| `(--[a-z-]+)[^`]*` \\| `([^`]*)` \\|.*");
        for (String line : readme.subList(start, readme.size())) {
            if (line.startsWith("## ") && documented.size() > 0) {
                break;
            }
            Matcher m = row.matcher(line);
            if (m.matches()) {
                documented.put(m.group(1), m.group(2));
            }
        }
        assertEquals(SHOWN_DEFAULTS, documented);
    }

    /** With no options but a root (which has no ServerConfig default), every setting is ServerConfig's default. */
    @Test
    void noOptionsGiveServerConfigsDefaults() throws Exception {
        Main main = new Main(System.out, System.err);
        new picocli.CommandLine(main).parseArgs("--root", root.toString());
        ServerConfig parsed = main.config();
        ServerConfig defaults = ServerConfig.builder(parsed.root(), parsed.accessLog()).build();
        for (RecordComponent c : ServerConfig.class.getRecordComponents()) {
            assertEquals(c.getAccessor().invoke(defaults), c.getAccessor().invoke(parsed), c.getName());
        }
        assertEquals(defaults, parsed);
    }

    @Test
    void version() {
        Run r = run("--version");
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.out().startsWith("halfway/"), r::describe);
        assertTrue(r.out().contains(Product.TOKEN), r::describe);
        assertEquals("", r.err(), r::describe);
    }

    @Test
    void unknownOption() {
        Run r = run("--bogus");
        assertRefused(r, 2, "--bogus");
    }

    record Bad(String name, List<String> args, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Bad options; rows that would otherwise be valid get a real root so only the named option is wrong. */
    static Stream<Bad> badOptions() {
        return Stream.of(
                new Bad("port above 65535", List.of("--port", "70000"), "--port"),
                new Bad("negative port", List.of("--port", "-1"), "--port"),
                new Bad("port not a number", List.of("--port", "abc"), "abc"),
                new Bad("unknown access-log format", List.of("--access-log", "xml"), "--access-log"),
                new Bad("an access log file with the log off", List.of("--access-log", "off", "--access-log-file", "access.log"),
                        "--access-log-file access.log with --access-log off"),
                new Bad("an access log file in a directory that is not there", List.of("--access-log-file", "/no/such/dir/access.log"),
                        "--access-log-file /no/such/dir/access.log: cannot open it for append: no such directory /no/such/dir"),
                new Bad("an access log file that is a directory", List.of("--access-log-file", "/"),
                        "--access-log-file /: cannot open it for append: Is a directory"),
                new Bad("an access log file without its path", List.of("--access-log-file"), "--access-log-file"),
                new Bad("linger with an unknown unit", List.of("--linger", "2x"), "2x"),
                new Bad("negative head timeout", List.of("--head-timeout", "-1s"), "-1s"),
                new Bad("size with an unknown unit", List.of("--linger-bytes", "1KB"), "1KB"),
                new Bad("request line above the head limit", List.of("--max-request-line", "32KiB"), "--max-request-line"),
                new Bad("request line below 16 bytes", List.of("--max-request-line", "8"), "--max-request-line"),
                new Bad("option without its value", List.of("--port"), "--port"),
                new Bad("zero head timeout", List.of("--head-timeout", "0"), "--head-timeout"),
                new Bad("zero write timeout", List.of("--write-timeout", "0s"), "--write-timeout"),
                new Bad("zero drain timeout", List.of("--drain-timeout", "0ms"), "--drain-timeout"),
                new Bad("zero max connections", List.of("--max-connections", "0"), "--max-connections"),
                new Bad("negative max fields", List.of("--max-fields", "-1"), "--max-fields"),
                new Bad("head limit above an int", List.of("--max-head", "2GiB"), "--max-head"),
                new Bad("zero cache entries", List.of("--cache-entries", "0"), "--cache-entries"),
                new Bad("zero cache file maximum", List.of("--cache-file-max", "0"), "--cache-file-max"),
                new Bad("cache file maximum of 2GiB", List.of("--cache-file-max", "2GiB"), "--cache-file-max"),
                new Bad("cache bytes with an unknown unit", List.of("--cache-bytes", "16MB"), "16MB"),
                new Bad("a TLS certificate without its key", List.of("--tls-cert", "cert.pem"), "--tls-cert needs --tls-key"),
                new Bad("a TLS key without its certificate", List.of("--tls-key", "key.pem"), "--tls-key needs --tls-cert"),
                new Bad("two TLS identities", List.of("--tls-self-signed", "--tls-keystore", "k.p12"), "give one of"),
                new Bad("a keystore password without a keystore", List.of("--tls-keystore-password-file", "pw"),
                        "--tls-keystore-password-file needs --tls-keystore"),
                new Bad("a TLS certificate that is not there", List.of("--tls-cert", "/no/cert.pem", "--tls-key", "/no/key.pem"),
                        "--tls-cert /no/cert.pem: no such file"),
                new Bad("a PROXY sender range that is not a range", List.of("--proxy-protocol", "--proxy-from", "10.0.0.0/33"), "--proxy-from"),
                new Bad("PROXY protocol with TLS", List.of("--proxy-protocol", "--tls-self-signed"), "--proxy-protocol with TLS is not supported yet"),
                new Bad("a keystore that is not there", List.of("--tls-keystore", "/no/k.p12"), "--tls-keystore /no/k.p12: no such file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void badOptionIsAUsageError(Bad bad) {
        List<String> args = new ArrayList<>(List.of("--root", root.toString()));
        args.addAll(bad.args());
        assertRefused(run(args.toArray(String[]::new)), 2, bad.mentions());
    }

    /** A command line refused for another option opens no log file: it is opened last, so nothing is left behind. */
    @Test
    void aRefusedCommandLineCreatesNoLogFile() {
        Path log = root.resolve("access.log");
        assertRefused(run("--root", root.toString(), "--access-log-file", log.toString(), "--port", "70000"), 2, "--port");
        assertRefused(run("--root", root.toString(), "--access-log-file", log.toString(), "--tls-cert", "cert.pem"), 2, "--tls-cert");
        assertFalse(Files.exists(log), "no file left behind");
    }

    /** --access-log-file: the lines go to the file, in the --access-log format, appended to what is there. */
    @Test
    void theAccessLogFileGetsTheLinesInTheChosenFormat() throws Exception {
        Path log = Files.writeString(root.resolve("access.log"), "from an earlier run\n");
        Main main = new Main(System.out, System.err);
        new picocli.CommandLine(main).parseArgs("--root", root.toString(), "--access-log", "json", "--access-log-file", log.toString());
        ServerConfig config = main.config();
        config.accessLog().log(dev.halfway.conn.AccessRecord.builder().startMillis(0).remote("127.0.0.1", 40000)
                .requestLine("GET /in-the-file HTTP/1.0").outcome(dev.halfway.conn.Outcome.COMPLETE, null).build());
        main.closeLogFile();
        List<String> lines = Files.readAllLines(log);
        assertEquals(2, lines.size(), lines::toString);
        assertEquals("from an earlier run", lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"time\":") && lines.get(1).contains("\"request\":\"GET /in-the-file HTTP/1.0\""), lines.get(1));
    }

    @Test
    void missingRoot() {
        Run r = run("--root", "/no/such/dir", "--port", "0");
        assertRefused(r, 2, "/no/such/dir");
        assertTrue(r.err().contains("root"), r::describe);
    }

    @Test
    void rootThatIsAFile() throws Exception {
        Path file = java.nio.file.Files.writeString(root.resolve("file.txt"), "x");
        Run r = run("--root", file.toString(), "--port", "0");
        assertRefused(r, 2, "root");
    }

    @Test
    void portInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Run r = run("--root", root.toString(), "--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()));
            assertRefused(r, 1, "cannot listen");
            assertTrue(r.err().contains(Integer.toString(taken.getLocalPort())), r::describe);
        }
    }

    // ---------------------------------------------------------------- converters

    record Conversion<T>(String input, T expected) {
        @Override
        public String toString() {
            return "'" + input + "' -> " + (expected == null ? "refused" : expected);
        }
    }

    static Stream<Conversion<Duration>> durations() {
        return Stream.of(
                new Conversion<>("500ms", Duration.ofMillis(500)),
                new Conversion<>("2s", Duration.ofSeconds(2)),
                new Conversion<>("1m", Duration.ofMinutes(1)),
                new Conversion<>("7", Duration.ofSeconds(7)),
                new Conversion<>("0", Duration.ZERO),
                new Conversion<>(" 3s ", Duration.ofSeconds(3)),
                new Conversion<>("999999999ms", Duration.ofMillis(999_999_999)),
                new Conversion<Duration>("2x", null),
                new Conversion<Duration>("", null),
                new Conversion<Duration>("-1s", null),
                new Conversion<Duration>("1.5s", null),
                new Conversion<Duration>("1h", null),
                new Conversion<Duration>("ms", null),
                new Conversion<Duration>("2 s", null),
                new Conversion<Duration>("1S", null),
                new Conversion<Duration>("1234567890", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("durations")
    void durationConverter(Conversion<Duration> row) {
        DurationConverter c = new DurationConverter();
        if (row.expected() == null) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> c.convert(row.input()));
            assertTrue(e.getMessage().contains(row.input()), e.getMessage());
        } else {
            assertEquals(row.expected(), c.convert(row.input()));
        }
    }

    static Stream<Conversion<Long>> sizes() {
        return Stream.of(
                new Conversion<>("8192", 8192L),
                new Conversion<>("0", 0L),
                new Conversion<>("8KiB", 8192L),
                new Conversion<>("1MiB", 1L << 20),
                new Conversion<>("2GiB", 2L << 30),
                new Conversion<>("4k", 4096L),
                new Conversion<>("4K", 4096L),
                new Conversion<>("2m", 2L << 20),
                new Conversion<>("3G", 3L << 30),
                new Conversion<>("8 KiB", 8192L),
                new Conversion<>(" 16KiB ", 16384L),
                new Conversion<>("999999999999", 999_999_999_999L),
                new Conversion<>("999999999999M", 999_999_999_999L << 20),
                new Conversion<Long>("1KB", null),
                new Conversion<Long>("1kib", null),
                new Conversion<Long>("1TiB", null),
                new Conversion<Long>("1.5M", null),
                new Conversion<Long>("-1", null),
                new Conversion<Long>("", null),
                new Conversion<Long>("KiB", null),
                new Conversion<Long>("1234567890123", null),
                // larger than a long: must be refused, not wrapped around
                new Conversion<Long>("8589934592G", null),
                new Conversion<Long>("17179869184G", null),
                new Conversion<Long>("999999999999G", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sizes")
    void sizeConverter(Conversion<Long> row) {
        SizeConverter c = new SizeConverter();
        if (row.expected() == null) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> c.convert(row.input()),
                    () -> "'" + row.input() + "' should be refused");
            assertTrue(e.getMessage().contains(row.input()), e.getMessage());
        } else {
            assertEquals(row.expected(), c.convert(row.input()));
        }
    }

    @Test
    void flagsAndCacheOptionsReachTheServerConfig() {
        Main main = new Main(System.out, System.err);
        new picocli.CommandLine(main).parseArgs("--root", root.toString(), "--follow-symlinks", "--no-listing",
                "--linger", "500ms", "--max-body", "2MiB", "--access-log", "off");
        dev.halfway.io.ServerConfig config = main.config();
        assertTrue(config.root().followSymlinks());
        assertFalse(config.listing());
        assertEquals(Duration.ofMillis(500), config.linger());
        assertEquals(2L << 20, config.limits().body());

        Main cache = new Main(System.out, System.err);
        new picocli.CommandLine(cache).parseArgs("--root", root.toString(), "--cache-bytes", "0",
                "--cache-entries", "10", "--cache-file-max", "8KiB");
        assertEquals(0, cache.config().cacheBytes(), "--cache-bytes 0: the cache is off");
        assertEquals(10, cache.config().cacheEntries());
        assertEquals(8192, cache.config().cacheFileMax());

        Main tls = new Main(System.out, System.err);
        new picocli.CommandLine(tls).parseArgs("--root", root.toString(), "--tls-self-signed");
        assertTrue(tls.config().tls().selfSigned(), "--tls-self-signed reaches the config");

        Main plain = new Main(System.out, System.err);
        new picocli.CommandLine(plain).parseArgs("--root", root.toString());
        assertFalse(plain.config().root().followSymlinks());
        assertTrue(plain.config().listing());
        assertEquals(null, plain.config().tls(), "without a TLS option the port is plain HTTP");
    }
}
