package dev.halfway.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a regression step expects of each client's exchange. Unset parts are not checked, but for
 * one rule over TLS that no case can turn off: a server that ends its side with a FIN must send
 * close_notify first ("Each party MUST send a close_notify alert before closing its write side of
 * the connection", RFC 8446 §6.1); without it the client cannot tell the end from a truncation.
 *
 * @param statuses   allowed status codes (empty: any)
 * @param simple     true: an HTTP/0.9 Simple-Response (no status line) is expected
 * @param bodySha256 the body's expected SHA-256 (hex), from a fixture, a file or the case
 * @param end        how the server must end the stream (FIN, RST, TIMEOUT, CLOSED)
 * @param verdicts   allowed verdicts (empty: complete, or closed-by-us where we closed on purpose)
 * @param withinMs   each exchange must finish within this (0: no bound)
 */
public record Expectation(Set<Integer> statuses, Boolean simple, String bodySha256, StreamEnd end,
                          Set<Verdict> verdicts, long withinMs) {

    /** The ways {@code report} falls short of this expectation; empty when it meets it. */
    public List<String> misses(Report report, AfterSend after, long stopAfterBytes) {
        List<String> misses = new ArrayList<>();
        Set<Verdict> allowed = verdicts;
        if (allowed.isEmpty()) {
            boolean weClose = after == AfterSend.CLOSE || after == AfterSend.RESET || stopAfterBytes >= 0;
            allowed = Set.of(weClose ? Verdict.CLOSED_BY_US : Verdict.COMPLETE);
        }
        if (allowed.stream().noneMatch(v -> v.label().equals(report.verdict()))) {
            misses.add("expected " + labels(allowed) + ", got " + report.verdict() + detail(report));
        }
        if (!statuses.isEmpty() && (report.status() == null || !statuses.contains(report.status()))) {
            misses.add("expected status " + statuses + ", got " + (report.status() == null ? "none" : report.status()));
        }
        if (simple != null && simple != report.simpleResponse()) {
            misses.add(simple ? "expected a Simple-Response (body only)" : "expected a status line");
        }
        if (bodySha256 != null && !bodySha256.equals(report.bodySha256())) {
            misses.add("body differs from the expected one (" + report.bodyBytes() + " bytes)");
        }
        if (end != null && (report.end() == null || !end.name().equals(report.end()))) {
            misses.add("expected the stream to end with " + end + ", got " + report.end());
        }
        if (Boolean.FALSE.equals(report.serverCloseNotify()) && StreamEnd.FIN.name().equals(report.end())) {
            misses.add("the server's FIN came without its close_notify (a possible truncation: RFC 8446, section 6.1)");
        }
        if (withinMs > 0 && report.durationMs() > withinMs) {
            misses.add("took " + Math.round(report.durationMs()) + " ms, more than " + withinMs + " ms");
        }
        return misses;
    }

    private static String labels(Set<Verdict> verdicts) {
        return verdicts.stream().map(Verdict::label).sorted().reduce((a, b) -> a + "|" + b).orElse("");
    }

    private static String detail(Report r) {
        return r.error() == null ? "" : " (" + r.error() + ")";
    }
}
