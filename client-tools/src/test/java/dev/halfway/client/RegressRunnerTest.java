package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code regress}: it must be able to fail, to pass, and to refuse bad cases and arguments. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RegressRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HALF_CLOSE_CASES = List.of("half-close-small", "pieces-then-half-close", "http09-simple-request");

    @Test
    void halfCloseCasesFailAgainstAServerThatClosesOnOurFin(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        List<String> cases = List.of("half-close-small", "pieces-then-half-close", "http11-request-half-close");
        try (FileServer server = FileServer.start(www, FileServer.OnFin.CLOSE)) {
            List<String> args = new ArrayList<>(List.of("regress", "--target", server.target(), "--only"));
            args.addAll(cases);
            Cli.Run run = Cli.run(args.toArray(String[]::new));

            assertEquals(1, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            assertEquals(4, lines.size(), run.said());
            for (int i = 0; i < 3; i++) {
                String row = lines.get(i);
                assertTrue(row.startsWith("FAIL  " + cases.get(i) + " "), row);
                assertTrue(row.contains("expected complete, got no-response"), row);
            }
            assertEquals("0 passed, 3 failed, 0 skipped", lines.get(3));
            assertEquals(4, server.connections(), "the ordinary request, then one connection per case");
            String host = "Host: " + server.target() + "\r\n";
            assertEquals("GET /hc-small.txt HTTP/1.0\r\n" + host + "\r\n", server.takeHead(2000), "first the ordinary request");
            assertEquals("GET /hc-small.txt HTTP/1.0\r\n" + host + "\r\n", server.takeHead(2000));
            assertEquals("GET /hc-small.txt HTTP/1.0\r\n" + host + "User-Agent: regress\r\n\r\n", server.takeHead(2000),
                    "the pieces arrive as one request");
            assertEquals("GET /hc-small.txt HTTP/1.1\r\n" + host + "\r\n", server.takeHead(2000));
        }
    }

    @Test
    void theSameCasesPassAgainstAServerThatHonoursHalfClose(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        try (FileServer server = FileServer.start(www, FileServer.OnFin.ANSWER)) {
            List<String> args = new ArrayList<>(List.of("regress", "--target", server.target(), "--only"));
            args.addAll(HALF_CLOSE_CASES);
            Cli.Run run = Cli.run(args.toArray(String[]::new));

            assertEquals(0, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            for (int i = 0; i < 3; i++) {
                assertTrue(lines.get(i).startsWith("PASS  " + HALF_CLOSE_CASES.get(i) + " "), lines.get(i));
            }
            assertTrue(lines.get(2).contains("0.9 complete FIN"), lines.get(2));
            assertEquals("strict checks (halfway's own choices, where RFC 1945 and RFC 9112 allow others):", lines.get(3));
            assertTrue(lines.get(4).startsWith("PASS  http09-simple-request ") && lines.get(4).contains(" -- RFC 1945"), lines.get(4));
            assertEquals("strict: 1 passed, 0 failed", lines.get(5));
            assertEquals("3 passed, 0 failed, 0 skipped", lines.get(6));
        }
    }

    @Test
    void aStrictCheckIsShownApartAndFailsTheRunOnlyWithStrict(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        // A server that closes on our FIN gives an HTTP/0.9 request nothing: allowed, but not halfway's choice.
        try (FileServer server = FileServer.start(www, FileServer.OnFin.CLOSE)) {
            Cli.Run run = Cli.run("regress", "--target", server.target(), "--only", "http09-simple-request");

            assertEquals(0, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            assertTrue(lines.get(0).startsWith("PASS  http09-simple-request - no-response FIN"), run.said());
            assertTrue(lines.get(2).startsWith("FAIL  http09-simple-request expected complete, got no-response -- "), run.said());
            assertEquals(List.of("strict: 0 passed, 1 failed", "1 passed, 0 failed, 0 skipped"), lines.subList(3, 5));

            Cli.Run strict = Cli.run("regress", "--target", server.target(), "--only", "http09-simple-request", "--strict");
            assertEquals(1, strict.exit(), strict.said());
        }
    }

    /** How a TLS test server ends a connection after reading the client's request to its end. */
    enum TlsEnding {
        /** The file, then close_notify and FIN: halfway on TLS 1.3. */
        ANSWER_CLOSE_NOTIFY_FIN,
        /** The file, then a bare FIN. */
        ANSWER_BARE_FIN,
        /** No answer: close_notify and FIN at once (a server that takes the client's close_notify for "gone"). */
        CLOSE_NOTIFY_FIN
    }

    @Test
    void theSameCasesPassOverTlsAgainstAServerThatHonoursHalfClose(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        try (TlsServer server = tlsServer(www, TlsEnding.ANSWER_CLOSE_NOTIFY_FIN)) {
            Cli.Run run = Cli.run(regressTls(server));

            assertEquals(0, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            for (int i = 0; i < 3; i++) {
                assertTrue(lines.get(i).startsWith("PASS  " + HALF_CLOSE_CASES.get(i) + " "), lines.get(i));
                assertTrue(lines.get(i).contains(" complete close_notify+FIN "), lines.get(i));
                assertEquals(TlsServer.ClientEnd.CLOSE_NOTIFY, server.takeClientEnd(2000), "over TLS the half-close is close_notify");
            }
            assertEquals("3 passed, 0 failed, 0 skipped", lines.get(lines.size() - 1));
            String host = "Host: " + server.target() + "\r\n";
            assertEquals("GET /hc-small.txt HTTP/1.0\r\n" + host + "\r\n", ascii(server.takeReceived(2000)),
                    "the ordinary request's bytes, inside the session");
            assertEquals("GET /hc-small.txt HTTP/1.0\r\n" + host + "\r\n", ascii(server.takeReceived(2000)), "then the case's");
            assertEquals(4, server.fullHandshakes());
        }
    }

    @Test
    void anHttpsTargetMeansTls(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        try (TlsServer server = tlsServer(www, TlsEnding.ANSWER_CLOSE_NOTIFY_FIN)) {
            Cli.Run run = Cli.run("regress", "--insecure", "--target", "https://" + server.target() + "/", "--only", "half-close-small");

            assertEquals(0, run.exit(), run.said());
            assertTrue(run.out().startsWith("PASS  half-close-small 200 complete close_notify+FIN "), run.said());
        }
    }

    @Test
    void overTlsAFinWithoutClose_notifyFails(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        try (TlsServer server = tlsServer(www, TlsEnding.ANSWER_BARE_FIN)) {
            Cli.Run run = Cli.run(regressTls(server));

            assertEquals(1, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            for (int i = 0; i < 3; i++) {
                assertTrue(lines.get(i).startsWith("FAIL  " + HALF_CLOSE_CASES.get(i) + " "), lines.get(i));
                assertTrue(lines.get(i).contains("the server's FIN came without its close_notify"), lines.get(i));
            }
            assertEquals("0 passed, 3 failed, 0 skipped", lines.get(lines.size() - 1));
        }
    }

    @Test
    void overTlsAServerThatClosesOnOurClose_notifyFails(@TempDir Path www) throws Exception {
        Fixtures.make(www);
        try (TlsServer server = tlsServer(www, TlsEnding.CLOSE_NOTIFY_FIN)) {
            Cli.Run run = Cli.run(regressTls(server));

            assertEquals(1, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            for (int i = 0; i < 2; i++) {
                assertTrue(lines.get(i).startsWith("FAIL  " + HALF_CLOSE_CASES.get(i) + " "), lines.get(i));
                assertTrue(lines.get(i).contains("expected complete, got no-response"), lines.get(i));
            }
            // An HTTP/0.9 request may go unanswered; only its strict check fails.
            assertTrue(lines.get(2).matches("PASS  http09-simple-request +- no-response close_notify\\+FIN .*"), run.said());
            assertTrue(run.out().matches("(?s).*\nFAIL  http09-simple-request +expected complete, got no-response -- .*"), run.said());
        }
    }

    @Test
    void overTlsASelfSignedCertificateNeedsInsecure(@TempDir Path www) throws Exception {
        try (TlsServer server = tlsServer(www, TlsEnding.ANSWER_CLOSE_NOTIFY_FIN)) {
            Cli.Run run = Cli.run("regress", "--tls", "--target", server.target(), "--only", "half-close-small");

            assertEquals(2, run.exit(), run.said());
            assertEquals("", run.out(), "nothing ran");
            assertTrue(run.err().startsWith("regress: TLS handshake failed: the server's certificate is not trusted"), run.said());
            assertTrue(run.err().contains("(--insecure trusts any certificate)"), run.said());
        }
    }

    @Test
    void tlsOptionsGoWithTls() {
        for (List<String> args : List.of(List.of("--insecure"), List.of("--tls-version", "1.3"), List.of("--tls", "--tls-version", "1.0"))) {
            List<String> line = new ArrayList<>(List.of("regress", "--target", "127.0.0.1:9"));
            line.addAll(args);
            Cli.Run run = Cli.run(line.toArray(String[]::new));
            assertEquals(2, run.exit(), args + ": " + run.said());
            assertFalse(run.out().contains("passed"), run.said());
        }
    }

    @Test
    void listPrintsEveryBuiltInCase() throws Exception {
        Cli.Run run = Cli.run("regress", "--list");

        assertEquals(0, run.exit(), run.said());
        List<String> names = run.out().lines().map(l -> l.split("\\s+", 2)[0]).toList();
        assertTrue(names.size() >= 25, "at least 25 cases: " + names);
        assertEquals(names.size(), new HashSet<>(names).size(), "names are unique: " + names);
        assertEquals(indexEntries().size(), names.size(), "one line per index entry");
        run.out().lines().forEach(l -> assertTrue(l.split("\\s+", 2).length == 2 && !l.split("\\s+", 2)[1].isBlank(),
                "each case says what it checks: " + l));
        for (String needed : List.of("half-close-small", "pieces-then-half-close", "half-close-mid-response",
                "incomplete-head-then-fin", "http09-simple-request", "empty-connection", "not-found-half-close",
                "head-half-close", "http11-request-half-close", "body-without-length-then-fin",
                "unread-body-staged-close", "trailing-bytes-after-large-response", "full-closes-then-normal-request",
                "resets-then-normal-request", "concurrent-50-half-closers")) {
            assertTrue(names.contains(needed), "the suite covers " + needed + ": " + names);
        }
    }

    @Test
    void makeFixturesWritesFilesWithTheKnownDigests(@TempDir Path dir) throws Exception {
        Path into = dir.resolve("www");
        Cli.Run run = Cli.run("regress", "--make-fixtures", into.toString());

        assertEquals(0, run.exit(), run.said());
        assertEquals(1 << 20, Files.size(into.resolve("hc-1m.bin")));
        assertEquals(10 << 20, Files.size(into.resolve("hc-10m.bin")));
        for (String name : List.of("hc-small.txt", "hc-1m.bin", "hc-10m.bin", "hc-dir/inner.txt")) {
            Path f = into.resolve(name);
            assertTrue(Files.isRegularFile(f), name);
            assertEquals(Fixtures.sha256(name), sha256(Files.readAllBytes(f)), name);
            assertTrue(run.out().contains("wrote " + f), run.said());
        }
        assertTrue(Files.readString(into.resolve("hc-small.txt")).startsWith("halfway regression fixture"));

        // the same bytes every time
        Path again = dir.resolve("again");
        assertEquals(0, Cli.run("regress", "--make-fixtures", again.toString()).exit());
        assertArrayEquals(Files.readAllBytes(into.resolve("hc-10m.bin")), Files.readAllBytes(again.resolve("hc-10m.bin")));
    }

    @Test
    void customCasesFromADirectoryAndAJsonReport(@TempDir Path dir) throws Exception {
        Path cases = Files.createDirectories(dir.resolve("cases"));
        Files.writeString(cases.resolve("a-expects-nothing.json"), """
                {"name": "closer-gives-nothing", "what": "three half-closers get nothing, then FIN",
                 "send": ["GET /x HTTP/1.0\\r\\n", {"pauseMs": 50}, "\\r\\n"], "after": "shut-wr", "clients": 3,
                 "expect": {"verdict": ["no-response"], "end": "FIN", "withinMs": 5000}}
                """);
        Files.writeString(cases.resolve("b-steps.json"), """
                {"name": "steps-then-timeout", "what": "a half-closer, then one that keeps its side open",
                 "steps": [
                   {"send": ["GET / HTTP/1.0\\r\\n\\r\\n"], "expect": {"verdict": "no-response"}},
                   {"send": ["GET / HTTP/1.0\\r\\n\\r\\n"], "after": "no-shut", "timeoutMs": 300,
                    "expect": {"verdict": ["timeout"], "end": "TIMEOUT"}}]}
                """);
        Files.writeString(cases.resolve("c-wants-a-response.json"), """
                {"name": "wants-a-response", "send": ["GET / HTTP/1.0\\r\\n\\r\\n"],
                 "expect": {"status": [200], "end": "FIN"}}
                """);
        Files.writeString(cases.resolve("notes.txt"), "not a case: ignored");
        Path report = dir.resolve("report.json");
        try (EofClosingServer server = EofClosingServer.start()) {
            Cli.Run run = Cli.run("regress", "--target", server.target(), "--cases", cases.toString(),
                    "--report", report.toString());

            assertEquals(1, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            assertEquals(4, lines.size(), run.said());
            assertTrue(lines.get(0).startsWith("PASS  closer-gives-nothing "), lines.get(0));
            assertTrue(lines.get(0).contains("3 exchanges"), lines.get(0));
            assertTrue(lines.get(1).startsWith("PASS  steps-then-timeout "), lines.get(1));
            assertTrue(lines.get(2).startsWith("FAIL  wants-a-response "), lines.get(2));
            assertEquals("2 passed, 1 failed, 0 skipped", lines.get(3));
            assertEquals(3 + 2 + 1, server.connections());
            assertEquals("GET /x HTTP/1.0\r\n\r\n", ascii(server.takeReceived(2000)));
        }
        JsonNode json = JSON.readTree(report.toFile());
        assertEquals(2, json.get("passed").asInt());
        assertEquals(1, json.get("failed").asInt());
        assertEquals(0, json.get("skipped").asInt());
        assertEquals(0, json.get("resources").size(), "cases without placeholders fetch no reference");
        assertTrue(json.get("target").asText().startsWith("127.0.0.1:"), json.toString());
        JsonNode outcomes = json.get("cases");
        assertEquals(3, outcomes.size());
        assertEquals("closer-gives-nothing", outcomes.get(0).get("name").asText());
        assertEquals("PASS", outcomes.get(0).get("verdict").asText());
        assertEquals(3, outcomes.get(0).get("reports").size());
        assertEquals("no-response", outcomes.get(0).get("reports").get(0).get("verdict").asText());
        assertEquals(2, outcomes.get(1).get("reports").size());
        assertEquals("timeout", outcomes.get(1).get("reports").get(1).get("verdict").asText());
        assertEquals("FAIL", outcomes.get(2).get("verdict").asText());
        assertTrue(outcomes.get(2).get("detail").asText().contains("no-response"), outcomes.get(2).toString());
    }

    @Test
    void aCaseComparingTheBodyWithAFileUnderWww(@TempDir Path dir) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("page.html"), "<p>half</p>\n");
        Path cases = Files.createDirectories(dir.resolve("cases"));
        Files.writeString(cases.resolve("page.json"), """
                {"name": "page", "send": ["GET /page.html HTTP/1.0\\r\\n\\r\\n"],
                 "expect": {"status": 200, "body": {"file": "page.html"}, "end": "FIN", "withinMs": 5000}}
                """);
        Files.writeString(cases.resolve("wrong.json"), """
                {"name": "wrong-body", "send": ["GET /page.html HTTP/1.0\\r\\n\\r\\n"],
                 "expect": {"status": 200, "body": {"text": "<p>other</p>\\n"}}}
                """);
        try (FileServer server = FileServer.start(www, FileServer.OnFin.ANSWER)) {
            Cli.Run run = Cli.run("regress", "--target", server.target(), "--cases", cases.toString(), "--www", www.toString());

            assertEquals(1, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            assertTrue(lines.get(0).startsWith("PASS  page "), run.said());
            assertTrue(lines.get(1).startsWith("FAIL  wrong-body "), run.said());
            assertTrue(lines.get(1).contains("body differs"), run.said());
            assertEquals("1 passed, 1 failed, 0 skipped", lines.get(2));
        }
    }

    static Stream<Arguments> malformedCases() {
        return Stream.of(
                Arguments.of("json syntax", "{\"name\": \"x\", \"send\": ["),
                Arguments.of("no name", "{\"send\": [\"GET / HTTP/1.0\\r\\n\\r\\n\"]}"),
                Arguments.of("empty file", ""),
                Arguments.of("unknown after", "{\"name\": \"x\", \"after\": \"sideways\"}"),
                Arguments.of("shut-wr-after without a number", "{\"name\": \"x\", \"after\": \"shut-wr-after:soon\"}"),
                Arguments.of("bad send item", "{\"name\": \"x\", \"send\": [42]}"),
                Arguments.of("bad repeat", "{\"name\": \"x\", \"send\": [{\"repeat\": \"\", \"bytes\": 10}]}"),
                Arguments.of("no clients", "{\"name\": \"x\", \"clients\": 0}"),
                Arguments.of("unknown verdict", "{\"name\": \"x\", \"expect\": {\"verdict\": [\"fine\"]}}"),
                Arguments.of("unknown end", "{\"name\": \"x\", \"expect\": {\"end\": \"SOMETIMES\"}}"),
                Arguments.of("unknown fixture", "{\"name\": \"x\", \"expect\": {\"body\": {\"fixture\": \"nope.bin\"}}}"),
                Arguments.of("file body without --www", "{\"name\": \"x\", \"expect\": {\"body\": {\"file\": \"a.txt\"}}}"),
                Arguments.of("file body missing under --www", "{\"name\": \"x\", \"expect\": {\"body\": {\"file\": \"missing.txt\"}}} WWW"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedCases")
    void aMalformedCaseFileIsRefusedNamingTheFile(String what, String content, @TempDir Path dir) throws Exception {
        Path cases = Files.createDirectories(dir.resolve("cases"));
        Files.writeString(cases.resolve("01-fine.json"), "{\"name\": \"fine\", \"send\": [\"GET / HTTP/1.0\\r\\n\\r\\n\"]}");
        boolean www = content.endsWith(" WWW");
        Path bad = Files.writeString(cases.resolve("02-broken-case.json"), www ? content.substring(0, content.length() - 4) : content);
        List<String> args = new ArrayList<>(List.of("regress", "--target", "127.0.0.1:9", "--cases", cases.toString()));
        if (www) {
            args.addAll(List.of("--www", Files.createDirectories(dir.resolve("www")).toString()));
        }
        Cli.Run run = Cli.run(args.toArray(String[]::new));

        assertEquals(2, run.exit(), what + ": " + run.said());
        assertTrue(run.err().contains("02-broken-case.json"), what + ": the message names the file: " + run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        assertFalse(run.out().contains("passed"), "nothing ran: " + run.said());
    }

    @Test
    void onlyAnUnknownCaseIsAUsageError() {
        Cli.Run run = Cli.run("regress", "--target", "127.0.0.1:9", "--only", "half-close-small", "no-such-case");

        assertEquals(2, run.exit(), run.said());
        assertTrue(run.err().contains("no-such-case"), run.err());
        assertFalse(run.out().contains("passed"), run.said());
    }

    @Test
    void aTargetIsRequired() {
        Cli.Run run = Cli.run("regress");
        assertEquals(2, run.exit(), run.said());
        assertTrue(run.err().contains("--target"), run.err());
    }

    @Test
    void aBadTargetIsAUsageError() {
        for (String target : List.of("localhost", "127.0.0.1:http", "127.0.0.1:0", "127.0.0.1:70000", ":80")) {
            Cli.Run run = Cli.run("regress", "--target", target);
            assertEquals(2, run.exit(), target + ": " + run.said());
            assertFalse(run.err().contains("\tat "), run.err());
        }
    }

    @Test
    void aMissingCasesDirectoryIsAUsageError(@TempDir Path dir) {
        Cli.Run run = Cli.run("regress", "--target", "127.0.0.1:9", "--cases", dir.resolve("none").toString());
        assertEquals(2, run.exit(), run.said());
    }

    @Test
    void everyBuiltInCaseParses() throws Exception {
        List<String> index = indexEntries();
        assertEquals(index, RegressCommand.builtInNames());
        assertTrue(index.size() >= 25, index.toString());
        assertEquals(index.size(), new HashSet<>(index).size(), "no file listed twice");

        CaseReader reader = new CaseReader("127.0.0.1", 8080, null);
        Set<String> names = new HashSet<>();
        for (String file : index) {
            RegressCase c;
            try (InputStream in = RegressCommand.class.getResourceAsStream(RegressCommand.SUITE + file)) {
                assertNotNull(in, "listed but missing: " + file);
                c = reader.read(in, file);
            }
            assertTrue(names.add(c.name()), "duplicate case name " + c.name());
            assertEquals(file.replaceFirst("^\\d+-", "").replaceFirst("\\.json$", ""), c.name(), "file name matches the case name");
            assertFalse(c.what().isBlank(), c.name() + " says what it checks");
            assertFalse(c.steps().isEmpty(), c.name());
            for (Step step : c.steps()) {
                assertEquals("127.0.0.1", step.plan().host());
                assertEquals(8080, step.plan().port());
                assertTrue(step.plan().timeout().toMillis() > 0, c.name());
                assertTrue(step.clients() >= 1, c.name());
            }
        }

        // and nothing in the folder is left out of the index
        URL indexUrl = RegressCommand.class.getResource(RegressCommand.SUITE + "index.txt");
        assertNotNull(indexUrl);
        if ("file".equals(indexUrl.getProtocol())) {
            try (Stream<Path> files = Files.list(Paths.get(indexUrl.toURI()).getParent())) {
                Set<String> jsons = new TreeSet<>(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).toList());
                assertEquals(new TreeSet<>(index), jsons, "index.txt lists every case file");
            }
        }
    }

    @Test
    void theRunnerPrintsProgress() throws Exception {
        try (EofClosingServer server = EofClosingServer.start()) {
            CaseReader reader = new CaseReader("127.0.0.1", Integer.parseInt(server.target().split(":")[1]), null);
            RegressCase c = reader.read(new java.io.ByteArrayInputStream(
                    "{\"name\": \"p\", \"send\": [\"GET / HTTP/1.0\\r\\n\\r\\n\"], \"expect\": {\"verdict\": \"no-response\"}}"
                            .getBytes(StandardCharsets.UTF_8)), "p.json");
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            List<RegressRunner.Outcome> outcomes;
            try (PrintStream p = new PrintStream(progress, true, StandardCharsets.UTF_8)) {
                outcomes = new RegressRunner(p).run(List.of(c, c));
            }
            assertEquals(2, outcomes.size());
            assertTrue(outcomes.get(0).passed(), outcomes.get(0).detail());
            String text = progress.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("[1/2] p") && text.contains("[2/2] p"), text);
        }
    }

    @Test
    void anOddAnswerDoesNotAbortTheRun(@TempDir Path dir) throws Exception {
        // An HTTP/0.9-style answer whose body begins with an empty line, then a normal case.
        Path cases = Files.createDirectories(dir.resolve("cases"));
        Files.writeString(cases.resolve("1-odd.json"), """
                {"name": "odd-simple-response", "send": ["GET /odd\\r\\n"],
                 "expect": {"simple": true, "body": {"text": "\\r\\n\\r\\nhello"}, "end": "FIN"}}
                """);
        Files.writeString(cases.resolve("2-next.json"), """
                {"name": "next", "send": ["GET /odd\\r\\n"], "expect": {"simple": true, "end": "FIN"}}
                """);
        try (RawServer server = RawServer.start((socket, s) -> {
            RawServer.readUntilEof(socket);
            socket.getOutputStream().write("\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
        })) {
            Cli.Run run = Cli.run("regress", "--target", server.target(), "--cases", cases.toString());

            assertTrue(run.out().contains("odd-simple-response"), "a row for the case: " + run.said());
            assertTrue(run.out().contains("next"), "the run goes on to the next case: " + run.said());
            assertEquals(0, run.exit(), run.said());
            assertTrue(run.out().endsWith("2 passed, 0 failed, 0 skipped" + System.lineSeparator()), run.said());
        }
    }

    private static String[] regressTls(TlsServer server) {
        List<String> args = new ArrayList<>(List.of("regress", "--tls", "--insecure", "--target", server.target(), "--only"));
        args.addAll(HALF_CLOSE_CASES);
        return args.toArray(String[]::new);
    }

    /**
     * A file server over TLS 1.3: it reads the request head, and if the client's end follows within
     * 300 ms (a half-close), records it; then it answers and ends as told. An ordinary request (the
     * client's side stays open) always gets the answer, then close_notify and FIN.
     */
    private static TlsServer tlsServer(Path www, TlsEnding ending) throws Exception {
        return TlsServer.start(List.of("TLSv1.3"), conn -> {
            byte[] request = conn.readHead();
            boolean halfClosed = conn.endsWithin(300);
            if (!halfClosed || ending != TlsEnding.CLOSE_NOTIFY_FIN) {
                String[] parts = ascii(request).split("\r?\n", 2)[0].split(" ");
                Path file = www.resolve(parts[1].substring(1));
                byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : "missing\n".getBytes(StandardCharsets.US_ASCII);
                if (parts.length == 3) {
                    conn.write(("HTTP/1.0 " + (Files.isRegularFile(file) ? "200 OK" : "404 Not Found") + "\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                conn.write(body);
            }
            if (!halfClosed || ending != TlsEnding.ANSWER_BARE_FIN) {
                conn.closeNotify();
            }
            conn.fin();
        });
    }

    private static List<String> indexEntries() throws Exception {
        try (InputStream in = RegressCommand.class.getResourceAsStream("/cases/index.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
