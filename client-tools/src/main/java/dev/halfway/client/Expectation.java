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
 * @param statuses   allowed status codes (empty: any, or the reference's when {@code like} is set)
 * @param simple     true: an HTTP/0.9 Simple-Response (no status line) is expected
 * @param bodySha256 the body's expected SHA-256 (hex), from a fixture, a file or the case
 * @param end        how the server must end the stream (FIN, RST, TIMEOUT, CLOSED)
 * @param verdicts   allowed verdicts (empty: complete, or closed-by-us where we closed on purpose)
 * @param withinMs   each exchange must finish within this (0: no bound)
 * @param like       the request target whose {@link Reference} the answer must equal: its status (none, when
 *                   a Simple-Response is expected) and, unless {@code bodySha256} says otherwise or
 *                   {@code likeBody} is false, its body; or null
 * @param alsoStatuses statuses accepted besides the reference's, whose bodies are not compared (e.g. a
 *                   400 where RFC 9112 lets a server refuse what halfway accepts)
 */
public record Expectation(Set<Integer> statuses, Boolean simple, String bodySha256, StreamEnd end,
                          Set<Verdict> verdicts, long withinMs, String like, Set<Integer> alsoStatuses, boolean likeBody) {

    /** The SHA-256 of no bytes: the body a HEAD response must have (RFC 9110 §9.3.2). */
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public Expectation {
        statuses = Set.copyOf(statuses);
        verdicts = Set.copyOf(verdicts);
        alsoStatuses = Set.copyOf(alsoStatuses);
    }

    /** An expectation that compares with no reference. */
    public Expectation(Set<Integer> statuses, Boolean simple, String bodySha256, StreamEnd end, Set<Verdict> verdicts, long withinMs) {
        this(statuses, simple, bodySha256, end, verdicts, withinMs, null, Set.of(), true);
    }

    /** This expectation with its time bound multiplied by {@code factor} (a larger file than the fixture it was written for). */
    public Expectation scaled(long factor) {
        return factor <= 1 || withinMs == 0 ? this
                : new Expectation(statuses, simple, bodySha256, end, verdicts, withinMs * factor, like, alsoStatuses, likeBody);
    }

    /** The ways {@code report} falls short of this expectation; empty when it meets it. */
    public List<String> misses(Report report, AfterSend after, long stopAfterBytes) {
        return misses(report, after, stopAfterBytes, null);
    }

    /**
     * The ways {@code report} falls short of this expectation, {@code reference} being the ordinary
     * request's answer for {@link #like} (null when {@code like} is); empty when it meets it.
     */
    public List<String> misses(Report report, AfterSend after, long stopAfterBytes, Reference reference) {
        List<String> misses = new ArrayList<>();
        Set<Verdict> allowed = verdicts;
        if (allowed.isEmpty()) {
            boolean weClose = after == AfterSend.CLOSE || after == AfterSend.RESET || stopAfterBytes >= 0;
            allowed = Set.of(weClose ? Verdict.CLOSED_BY_US : Verdict.COMPLETE);
        }
        if (allowed.stream().noneMatch(v -> v.label().equals(report.verdict()))) {
            misses.add("expected " + labels(allowed) + ", got " + report.verdict() + detail(report));
        }
        Set<Integer> allowedStatuses = new java.util.TreeSet<>(statuses);
        Integer referenceStatus = reference == null ? null : reference.report().status();
        boolean simpleExpected = Boolean.TRUE.equals(simple);
        if (allowedStatuses.isEmpty() && referenceStatus != null && !simpleExpected) {
            allowedStatuses.add(referenceStatus);
        }
        if (!allowedStatuses.isEmpty()) {
            allowedStatuses.addAll(alsoStatuses);
        }
        // No response at all is the verdict's to judge; a status is owed only by a response.
        boolean responded = !Verdict.NO_RESPONSE.label().equals(report.verdict());
        if (responded && !allowedStatuses.isEmpty() && (report.status() == null || !allowedStatuses.contains(report.status()))) {
            misses.add("expected status " + Statuses.text(allowedStatuses)
                    + (referenceStatus != null && statuses.isEmpty() ? " (as the ordinary request got)" : "")
                    + ", got " + (report.status() != null ? report.status()
                    : report.simpleResponse() ? "an HTTP/0.9 answer without a status line" : "none"));
        }
        if (simple != null && simple != report.simpleResponse()) {
            misses.add(simple ? "expected a Simple-Response (body only)" : "expected a status line");
        }
        if (bodySha256 != null && !bodySha256.equals(report.bodySha256())) {
            misses.add(EMPTY_SHA256.equals(bodySha256) ? "expected no body, got " + report.bodyBytes() + " bytes"
                    : "body differs from the expected one (" + report.bodyBytes() + " bytes)");
        } else if (bodySha256 == null && likeBody && reference != null
                && (simpleExpected ? report.simpleResponse() : referenceStatus.equals(report.status()))
                && !java.util.Objects.equals(reference.report().bodySha256(), report.bodySha256())) {
            long want = reference.report().bodyBytes();
            misses.add(report.bodyBytes() == want ? "body differs from the ordinary request's (" + want + " bytes, other bytes)"
                    : "body differs from the ordinary request's (" + report.bodyBytes() + " of " + want + " bytes)");
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
