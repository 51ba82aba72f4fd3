package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code regress --target} on servers that have none of its fixtures: the files are named with
 * --small/--large/--dir under a URL prefix, every case compares with the ordinary request's
 * answer, and what the server lacks is skipped with the reason.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegressTargetTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PAGE = FileServer.ascii("<p>a page of the site</p>\n");
    private static final byte[] BIG = FileServer.bytes(3 << 20, 7);

    private static final Map<String, byte[]> SITE = Map.of(
            "/site/page.html", PAGE,
            "/site/media/big.bin", BIG,
            "/site/docs/a.txt", FileServer.ascii("a\n"),
            "/site/docs/b.txt", FileServer.ascii("b\n"));

    private static final List<String> FILE_CASES = List.of("half-close-small", "half-close-10m-slow-reader", "half-close-delayed-read",
            "half-close-mid-response", "not-found-half-close", "head-10m-half-close", "directory-redirect-half-close",
            "directory-slash-half-close", "concurrent-50-half-closers", "baseline-10m-no-shut");

    private static String[] args(String target, List<String> only, String... more) {
        List<String> a = new ArrayList<>(List.of("regress", "--target", target));
        a.addAll(List.of(more));
        a.add("--only");
        a.addAll(only);
        return a.toArray(String[]::new);
    }

    @Test
    void passesOnARawServerThatHasNoFixtures() throws Exception {
        try (FileServer server = FileServer.start(SITE, FileServer.OnFin.ANSWER)) {
            Cli.Run run = Cli.run(args("http://" + server.target() + "/site/", FILE_CASES,
                    "--small", "page.html", "--large", "/media/big.bin", "--dir", "docs/"));

            assertEquals(0, run.exit(), run.said());
            assertTrue(run.out().endsWith(FILE_CASES.size() + " passed, 0 failed, 0 skipped" + System.lineSeparator()), run.said());
            for (String name : FILE_CASES) {
                assertTrue(run.out().contains("PASS  " + name + " "), name + ": " + run.said());
            }
            List<String> heads = server.heads();
            assertFalse(heads.isEmpty());
            for (String head : heads) {
                assertTrue(head.split(" ")[1].startsWith("/site/"), "every path is under the prefix: " + head);
                assertTrue(head.contains("\r\nHost: " + server.target() + "\r\n"), "a Host header: " + head);
            }
            assertTrue(heads.contains("GET /site/media/big.bin HTTP/1.0\r\nHost: " + server.target() + "\r\n\r\n"),
                    "the ordinary request for --large: " + heads);
            assertTrue(heads.contains("GET /site/docs HTTP/1.0\r\nHost: " + server.target() + "\r\n\r\n"), "--dir without its slash");
            assertTrue(heads.contains("GET /site/docs/ HTTP/1.0\r\nHost: " + server.target() + "\r\n\r\n"), "--dir with its slash");
        }
    }

    @Test
    void failsWhereAHalfCloseGetsLessThanAnOrdinaryRequest() throws Exception {
        try (FileServer server = FileServer.start(SITE, FileServer.OnFin.HALF_BODY)) {
            Cli.Run run = Cli.run(args("http://" + server.target() + "/site", List.of("half-close-small", "half-close-delayed-read",
                    "baseline-10m-no-shut"), "--small", "page.html", "--large", "media/big.bin"));

            assertEquals(1, run.exit(), run.said());
            List<String> lines = run.out().lines().toList();
            assertTrue(lines.get(0).matches("FAIL  half-close-small +expected complete, got truncated.*"), run.said());
            assertTrue(lines.get(1).matches("FAIL  half-close-delayed-read +expected complete, got truncated.*"), run.said());
            assertTrue(lines.get(2).startsWith("PASS  baseline-10m-no-shut "), "the control still passes: " + run.said());
            assertEquals("1 passed, 2 failed, 0 skipped", lines.get(3));
        }
    }

    @Test
    void aBodyThatDiffersFromTheOrdinaryRequestsFails() throws Exception {
        // A server whose half-closed answer is whole but other bytes: the comparison is of bytes, not lengths.
        List<RecordedRequest> seen = new CopyOnWriteArrayList<>();
        MockWebServer mock = new MockWebServer();
        mock.setDispatcher(new Dispatcher() {
            private int n;

            @Override
            public synchronized MockResponse dispatch(RecordedRequest request) {
                seen.add(request);
                return new MockResponse().setBody(n++ == 0 ? "first answer\n" : "other answer\n")
                        .setSocketPolicy(SocketPolicy.SHUTDOWN_OUTPUT_AT_END);
            }
        });
        mock.start(InetAddress.getByName("127.0.0.1"), 0);
        try {
            Cli.Run run = Cli.run("regress", "--target", "127.0.0.1:" + mock.getPort(), "--small", "/x.txt", "--only", "half-close-small");

            assertEquals(1, run.exit(), run.said());
            assertTrue(run.out().matches("(?s)FAIL  half-close-small body differs from the ordinary request's \\(13 bytes, other bytes\\).*"),
                    run.said());
            assertEquals(List.of("/x.txt", "/x.txt"), seen.stream().map(RecordedRequest::getPath).toList());
        } finally {
            mock.shutdown();
        }
    }

    @Test
    void passesAgainstMockWebServerServingTheNamedFiles() throws Exception {
        MockWebServer mock = new MockWebServer();
        mock.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                byte[] body = SITE.get(request.getPath());
                MockResponse r = body == null ? new MockResponse().setResponseCode(404).setBody("no\n")
                        : new MockResponse().setBody(new Buffer().write(body));
                // MockWebServer keeps a connection for a next request; an HTTP/1.0 one ends with the response.
                return r.setSocketPolicy(SocketPolicy.SHUTDOWN_OUTPUT_AT_END);
            }
        });
        mock.start(InetAddress.getByName("127.0.0.1"), 0);
        try {
            List<String> cases = List.of("half-close-small", "half-close-10m-slow-reader", "half-close-mid-response",
                    "not-found-half-close", "baseline-no-shut");
            Cli.Run run = Cli.run(args("http://127.0.0.1:" + mock.getPort() + "/site", cases,
                    "--small", "page.html", "--large", "media/big.bin"));

            assertEquals(0, run.exit(), run.said());
            assertTrue(run.out().endsWith("5 passed, 0 failed, 0 skipped" + System.lineSeparator()), run.said());
            // MockWebServer answers 404 with its own choice of body; the case compares the status with the ordinary request's.
            assertTrue(run.out().contains("strict checks"), run.said());
        } finally {
            mock.shutdown();
        }
    }

    @Test
    void whatTheTargetLacksIsSkippedWithTheReason(@TempDir Path dir) throws Exception {
        Map<String, byte[]> files = Map.of("/small.txt", FileServer.ascii("small\n"),
                "/hc-small.txt", FileServer.ascii("not the fixture's bytes\n"), "/d/x.txt", FileServer.ascii("x\n"));
        Path json = dir.resolve("r.json");
        try (FileServer server = FileServer.start(files, FileServer.OnFin.ANSWER)) {
            Cli.Run run = Cli.run(args(server.target(), List.of("half-close-small", "half-close-mid-response", "concurrent-50-half-closers",
                    "directory-slash-half-close", "empty-connection"), "--large", "small.txt", "--dir", "nowhere", "--report", json.toString()));

            assertEquals(0, run.exit(), "a skip is not a failure: " + run.said());
            List<String> lines = run.out().lines().toList();
            assertTrue(lines.get(0).matches("SKIP  half-close-small +GET /hc-small.txt is not the regress fixture hc-small.txt "
                    + "\\(serve the files of regress --make-fixtures DIR, or name the target's own with --small\\)"), run.said());
            assertTrue(lines.get(1).matches("SKIP  half-close-mid-response +GET /small.txt is 6 bytes; these cases need at least 1 MiB "
                    + "\\(name another with --large\\)"), run.said());
            assertTrue(lines.get(2).startsWith("PASS  empty-connection "), "a case that needs no file runs: " + run.said());
            assertTrue(lines.get(3).matches("SKIP  concurrent-50-half-closers +GET /small.txt is 6 bytes; .*--large\\)"),
                    "--medium follows --large: " + run.said());
            assertTrue(lines.get(4).matches("SKIP  directory-slash-half-close +GET /nowhere/ answered 404: no such directory "
                    + "\\(name another with --dir\\)"), run.said());
            assertEquals("1 passed, 0 failed, 4 skipped", lines.get(lines.size() - 1));
        }
        JsonNode report = JSON.readTree(json.toFile());
        assertEquals(4, report.get("skipped").asInt());
        assertEquals("SKIP", report.get("cases").get(0).get("verdict").asText());
        assertTrue(report.get("cases").get(0).get("detail").asText().contains("not the regress fixture"));
        List<String> unusable = new ArrayList<>();
        for (JsonNode r : report.get("resources")) {
            if (!r.get("usable").asBoolean()) {
                unusable.add(r.get("name").asText());
            }
        }
        assertEquals(List.of("small", "large", "medium", "dir/"), unusable, report.get("resources").toString());
    }

    @Test
    void aFileThatAnswersARedirectIsNotAFile() throws Exception {
        try (FileServer server = FileServer.start(SITE, FileServer.OnFin.ANSWER)) {
            Cli.Run run = Cli.run(args(server.target(), List.of("half-close-small"), "--small", "/site/docs"));

            assertEquals(0, run.exit(), run.said());
            assertTrue(run.out().startsWith("SKIP  half-close-small GET /site/docs answered 301, not a file (name another with --small)"),
                    run.said());
            assertTrue(run.err().contains("every case was skipped"), run.said());
        }
    }

    @Test
    void anUnreachableTargetIsOneClearMessage() {
        Cli.Run run = Cli.run("regress", "--target", "http://127.0.0.1:9/", "--only", "half-close-small");

        assertEquals(2, run.exit(), run.said());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("regress: cannot connect to 127.0.0.1:9: "), run.said());
    }

    @Test
    void badResourcePathsAreUsageErrors() {
        for (String[] bad : List.of(new String[] {"--small", "a b.txt"}, new String[] {"--large", "${small}"}, new String[] {"--dir", "\u00e9t\u00e9"})) {
            Cli.Run run = Cli.run("regress", "--target", "127.0.0.1:9", bad[0], bad[1]);
            assertEquals(2, run.exit(), run.said());
            assertTrue(run.err().startsWith("regress: " + bad[0] + " must be a path of printable ASCII"), run.said());
        }
    }

    @Test
    void theHtmlReportHasASummaryBarARowPerCaseAndALadderPerFailure(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("report.html");
        // In the suite's order, whatever the order of --only.
        List<String> cases = List.of("half-close-small", "http09-simple-request", "not-found-half-close", "baseline-no-shut",
                "directory-slash-half-close");
        try (FileServer server = FileServer.start(SITE, FileServer.OnFin.CLOSE)) {
            Cli.Run run = Cli.run(args("http://" + server.target() + "/site", cases, "--small", "page.html", "--dir", "gone",
                    "--report", html.toString()));
            assertEquals(1, run.exit(), run.said());
        }
        Document page = Jsoup.parse(html.toFile(), "UTF-8");

        Element bar = page.getElementById("summary");
        assertEquals("2", bar.attr("data-passed"), "the control and http09 (whose core allows no answer) pass");
        assertEquals("2", bar.attr("data-failed"));
        assertEquals("1", bar.attr("data-skipped"));
        Elements segments = bar.select("span");
        assertEquals(List.of("pass", "fail", "skip"), segments.stream().map(Element::className).toList());
        assertEquals(List.of("2", "2", "1"), segments.stream().map(s -> s.attr("data-count")).toList());
        assertEquals("2 passed, 2 failed, 1 skipped", page.selectFirst("p.tally").text());

        Elements rows = page.select("#cases tbody tr");
        assertEquals(cases, rows.stream().map(r -> r.attr("data-case")).toList(), "a row per case, in order");
        for (Element row : rows) {
            assertEquals(5, row.select("td").size(), "number, name, what it checks, verdict, why: " + row);
            assertEquals(row.attr("data-verdict"), row.selectFirst("td.verdict").text());
            assertFalse(row.select("td").get(2).text().isBlank(), "says what it checks: " + row);
            assertFalse(row.select("td").get(4).text().isBlank(), "says why: " + row);
        }
        assertEquals(List.of("FAIL", "PASS", "FAIL", "PASS", "SKIP"), rows.stream().map(r -> r.attr("data-verdict")).toList());
        assertTrue(rows.get(4).text().contains("GET /site/gone/ answered 404"), rows.get(4).text());

        // Every failed case links to its ladder; the ladder is the client's exchange, drawn.
        for (Element row : rows) {
            Element link = row.selectFirst("a[href^=#ladder-]");
            if (row.attr("data-verdict").equals("FAIL")) {
                Element section = page.getElementById(link.attr("href").substring(1));
                assertEquals(row.attr("data-case"), section.attr("data-case"));
                String ladder = section.selectFirst("pre").wholeText();
                assertTrue(ladder.contains("SYN") && ladder.contains("FIN"), ladder);
            } else {
                assertEquals(null, link, "no ladder for " + row.attr("data-case"));
            }
        }

        Elements strict = page.select("#strict tbody tr");
        assertEquals(List.of("http09-simple-request"), strict.stream().map(r -> r.attr("data-case")).toList(),
                "a strict check only where the case itself passed");
        assertEquals(List.of("FAIL"), strict.stream().map(r -> r.attr("data-verdict")).toList());
        assertEquals(1, strict.get(0).select("a[href=#ladder-http09-simple-request]").size(), "a failed strict check has its ladder");
        assertTrue(strict.get(0).text().contains("RFC 1945"), "the choice it checks: " + strict.get(0).text());
        assertEquals("1", page.getElementById("strict-summary").attr("data-failed"));
        assertEquals(List.of("half-close-small", "http09-simple-request", "not-found-half-close"),
                page.select("section.ladder").stream().map(e -> e.attr("data-case")).toList(), "two failed cases and one failed strict check");

        Elements resources = page.select("#resources tbody tr");
        assertEquals(List.of("small", "missing", "dir/"), resources.stream().map(r -> r.attr("data-resource")).toList());
        assertEquals(List.of("true", "true", "false"), resources.stream().map(r -> r.attr("data-usable")).toList());

        // Self-contained: nothing to fetch, nothing to run.
        assertTrue(page.select("script, link, img, iframe, [src]").isEmpty(), "no scripts or external resources");
        assertTrue(page.select("a[href]").stream().allMatch(a -> a.attr("href").startsWith("#")), "only links within the page");
    }
}
