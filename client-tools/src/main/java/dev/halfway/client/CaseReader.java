package dev.halfway.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads regression cases from JSON (one case a file). The format is documented in the README;
 * in short:
 *
 * <pre>{@code
 * { "name": "half-close-small", "what": "...",
 *   "send": ["GET ${small} HTTP/1.0\r\nHost: ${host}\r\n\r\n", {"pauseMs": 100}, {"repeat": "z", "bytes": 4096}],
 *   "after": "shut-wr" | "shut-wr-after:200" | "no-shut" | "close" | "reset",
 *   "read": {"delayMs": 0, "bytesPerSec": 0, "shutWrAfterBytes": -1, "stopAfterBytes": -1, "rcvbuf": 0},
 *   "clients": 1, "timeoutMs": 30000,
 *   "expect": {"like": "${small}", "sameBody": true, "alsoStatus": ["4xx"], "status": [200, "5xx"], "simple": false,
 *              "body": {"fixture": "hc-small.txt"} | {"file": "index.html"} | {"sha256": "..."} | {"text": "..."},
 *              "end": "FIN", "verdict": ["complete"], "withinMs": 5000},
 *   "steps": [ {...same keys as a one-step case...}, ... ],
 *   "strict": {"why": "RFC ...: a server MAY ...; halfway ...", "expect": {...}} }
 * }</pre>
 *
 * Placeholders ({@code ${small}}, {@code ${large}}, {@code ${dir/}}, {@code ${host}}, ...) are
 * replaced by {@link Resources}; the case remembers which resources it used, so it can be
 * skipped where one is unusable. "like" names the request target whose ordinary answer
 * ({@link Reference}) the case must match.
 *
 * Strings in "send" are bytes: each char is one byte (ISO-8859-1), so {@code \r\n} and
 * {@code \u0000} mean what they say.
 */
public final class CaseReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Resources resources;
    private final Path www;
    private final TlsPlan tls;

    /** @param www the document root the target serves, for {"file": ...} bodies; may be null */
    public CaseReader(String host, int port, Path www) {
        this(Resources.fixtures(new Target(host, port, "", false)), www, null);
    }

    /**
     * @param resources what the placeholders ({@code ${small}}, ...) stand for on the target
     * @param www       the document root the target serves, for {"file": ...} bodies; may be null
     * @param tls       null: every case over plain TCP; else over TLS, with the half-close the plan says
     */
    public CaseReader(Resources resources, Path www, TlsPlan tls) {
        this.resources = resources;
        this.www = www;
        this.tls = tls;
    }

    /** Reads one case; anything wrong with it is an {@link IllegalArgumentException} naming {@code source}. */
    public RegressCase read(InputStream json, String source) throws IOException {
        try {
            return parse(JSON.readTree(json), source);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(source + ":") ? e
                    : new IllegalArgumentException(source + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage());
        }
    }

    private RegressCase parse(JsonNode root, String source) {
        String name = text(root, "name", null);
        if (name == null) {
            throw new IllegalArgumentException(source + ": a case needs a \"name\"");
        }
        List<Step> steps = new ArrayList<>();
        Set<String> uses = new LinkedHashSet<>();
        if (root.has("steps")) {
            for (JsonNode step : root.get("steps")) {
                steps.add(step(step, source, uses));
            }
        } else {
            steps.add(step(root, source, uses));
        }
        RegressCase.Strict strict = null;
        if (root.has("strict")) {
            JsonNode s = root.get("strict");
            if (!s.hasNonNull("why") || !s.has("expect")) {
                throw new IllegalArgumentException(source + ": \"strict\" needs a \"why\" and an \"expect\"");
            }
            strict = new RegressCase.Strict(s.get("why").asText(), expectation(s.get("expect"), source, uses));
        }
        return new RegressCase(name, text(root, "what", ""), steps, uses, strict);
    }

    public RegressCase read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    private Step step(JsonNode node, String source, Set<String> caseUses) {
        List<Piece> pieces = new ArrayList<>();
        Set<String> uses = new LinkedHashSet<>();
        long pause = 0;
        for (JsonNode p : node.path("send")) {
            if (p.isTextual()) {
                pieces.add(new Piece(pause, resources.expand(p.asText(), uses).getBytes(StandardCharsets.ISO_8859_1)));
                pause = 0;
            } else if (p.has("pauseMs")) {
                pause += p.get("pauseMs").asLong();
            } else if (p.has("repeat")) {
                byte[] unit = p.get("repeat").asText().getBytes(StandardCharsets.ISO_8859_1);
                long n = p.path("bytes").asLong();
                if (unit.length == 0 || n < 0 || n > (64L << 20)) {
                    throw new IllegalArgumentException(source + ": \"repeat\" needs a non-empty unit and 0..64 MiB of \"bytes\"");
                }
                byte[] bytes = new byte[(int) n];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = unit[i % unit.length];
                }
                pieces.add(new Piece(pause, bytes));
                pause = 0;
            } else {
                throw new IllegalArgumentException(source + ": a \"send\" item is a string, {\"pauseMs\"} or {\"repeat\", \"bytes\"}");
            }
        }
        if (pause > 0) {
            pieces.add(new Piece(pause, new byte[0]));
        }
        String after = text(node, "after", "shut-wr").toLowerCase(Locale.ROOT);
        AfterSend mode;
        long shutAfter = 0;
        if (after.startsWith("shut-wr-after:")) {
            mode = AfterSend.SHUT_WR;
            try {
                shutAfter = Long.parseLong(after.substring("shut-wr-after:".length()));
            } catch (NumberFormatException bad) {
                throw new IllegalArgumentException("\"shut-wr-after:MS\" needs a number of milliseconds, not " + after);
            }
        } else {
            mode = switch (after) {
                case "shut-wr" -> AfterSend.SHUT_WR;
                case "no-shut" -> AfterSend.NO_SHUT;
                case "close" -> AfterSend.CLOSE;
                case "reset" -> AfterSend.RESET;
                default -> throw new IllegalArgumentException(source + ": unknown \"after\": " + after);
            };
        }
        JsonNode r = node.path("read");
        ReadPolicy read = new ReadPolicy(r.path("delayMs").asLong(0), r.path("bytesPerSec").asLong(0),
                r.path("shutWrAfterBytes").asLong(-1), r.path("stopAfterBytes").asLong(-1), r.path("rcvbuf").asInt(0));
        Target target = resources.target();
        Plan plan = new Plan(target.host(), target.port(), pieces, mode, shutAfter, read,
                Duration.ofMillis(node.path("timeoutMs").asLong(30_000)), tls);
        int clients = node.path("clients").asInt(1);
        if (clients < 1 || clients > 1000) {
            throw new IllegalArgumentException(source + ": \"clients\" must be 1..1000");
        }
        Expectation expect = expectation(node.path("expect"), source, uses);
        caseUses.addAll(uses);
        String sizedBy = uses.contains("large") ? "large" : uses.contains("medium") ? "medium" : null;
        return new Step(plan, clients, expect, sizedBy);
    }

    private Expectation expectation(JsonNode e, String source, Set<String> uses) {
        Set<Integer> statuses = statuses(e.path("status"), source);
        Set<Integer> also = statuses(e.path("alsoStatus"), source);
        String like = e.hasNonNull("like") ? resources.expand(e.get("like").asText(), uses) : null;
        if (!also.isEmpty() && like == null && statuses.isEmpty()) {
            throw new IllegalArgumentException(source + ": \"alsoStatus\" goes with \"like\" or \"status\"");
        }
        Boolean simple = e.has("simple") ? e.get("simple").asBoolean() : null;
        String sha = null;
        JsonNode body = e.path("body");
        if (body.has("fixture")) {
            sha = Fixtures.sha256(body.get("fixture").asText());
        } else if (body.has("file")) {
            if (www == null) {
                throw new IllegalArgumentException(source + ": expects a file body; give --www DIR");
            }
            sha = sha256(www.resolve(body.get("file").asText()));
        } else if (body.has("sha256")) {
            sha = body.get("sha256").asText().toLowerCase(Locale.ROOT);
        } else if (body.has("text")) {
            sha = sha256(body.get("text").asText().getBytes(StandardCharsets.ISO_8859_1));
        }
        StreamEnd end = null;
        if (e.has("end")) {
            String name = e.get("end").asText().toUpperCase(Locale.ROOT);
            end = Arrays.stream(StreamEnd.values()).filter(v -> v.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("\"end\" is one of FIN, RST, TIMEOUT, CLOSED, not " + name));
        }
        Set<Verdict> verdicts = new LinkedHashSet<>();
        Iterator<JsonNode> vs = e.path("verdict").isArray() ? e.get("verdict").elements()
                : e.has("verdict") ? List.of(e.get("verdict")).iterator() : List.<JsonNode>of().iterator();
        while (vs.hasNext()) {
            String label = vs.next().asText();
            verdicts.add(Arrays.stream(Verdict.values()).filter(v -> v.label().equals(label)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(source + ": unknown verdict " + label)));
        }
        return new Expectation(statuses, simple, sha, end, verdicts, e.path("withinMs").asLong(0), like, also,
                e.path("sameBody").asBoolean(true));
    }

    /** {@code 200}, {@code "4xx"}, or a list of them. */
    private static Set<Integer> statuses(JsonNode node, String source) {
        Set<Integer> statuses = new LinkedHashSet<>();
        try {
            for (JsonNode s : node.isArray() ? node : List.of(node)) {
                if (!s.isMissingNode() && !s.isNull()) {
                    Statuses.add(s.asText(), statuses);
                }
            }
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(source + ": " + bad.getMessage());
        }
        return statuses;
    }

    private static String text(JsonNode node, String field, String otherwise) {
        return node.hasNonNull(field) ? node.get(field).asText() : otherwise;
    }

    private static String sha256(Path file) {
        try {
            return sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (from --www)", e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
