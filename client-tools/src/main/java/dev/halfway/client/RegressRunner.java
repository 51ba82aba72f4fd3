package dev.halfway.client;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs cases one after another (a step's clients at once) and judges every exchange against the
 * case's expectation and, where it is "like" an ordinary request, against that request's answer.
 * A case whose resource is unusable on the target is skipped, not run.
 */
public final class RegressRunner {

    /** A case's verdict: PASS and FAIL as run, SKIP when a resource it needs is missing or unusable. */
    public enum CaseVerdict { PASS, FAIL, SKIP }

    /**
     * How one case went.
     *
     * @param detail one line: what happened, or the first miss, or why it was skipped
     * @param strict the strict check's result; null when the case has none, or its own expectation
     *               was not met (a strict check means nothing then)
     * @param ladder the {@code --ladder} diagram of the first exchange that missed (the case's or the
     *               strict check's), or null
     */
    @JsonPropertyOrder({"name", "what", "verdict", "detail", "strict", "ladder", "reports"})
    public record Outcome(String name, String what, CaseVerdict verdict, String detail, StrictOutcome strict,
                          String ladder, List<Report> reports) {
        public boolean passed() {
            return verdict == CaseVerdict.PASS;
        }
    }

    /** A strict check's result: PASS or FAIL, the choice it checks, and what happened. */
    public record StrictOutcome(CaseVerdict verdict, String why, String detail) {}

    private final PrintStream progress;

    /** @param progress where the running "[i/n] name" line goes (stderr), or null for none */
    public RegressRunner(PrintStream progress) {
        this.progress = progress;
    }

    /** Runs cases that use no resource and are like no ordinary request (custom cases with fixed bytes). */
    public List<Outcome> run(List<RegressCase> cases) {
        return run(cases, null);
    }

    public List<Outcome> run(List<RegressCase> cases, References refs) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            RegressCase c = cases.get(i);
            if (progress != null) {
                progress.print("\r[" + (i + 1) + "/" + cases.size() + "] " + c.name() + " ...\u001b[K");
                progress.flush();
            }
            outcomes.add(run(c, refs));
        }
        if (progress != null) {
            progress.print("\r\u001b[K");
            progress.flush();
        }
        return outcomes;
    }

    public Outcome run(RegressCase c, References refs) {
        for (String name : c.uses()) {
            Reference r = resource(refs, name);
            if (r.unusable() != null) {
                return new Outcome(c.name(), c.what(), CaseVerdict.SKIP, r.unusable(), null, null, List.of());
            }
        }
        for (String name : c.uses()) {
            Reference r = resource(refs, name);
            if (r.failure() != null) {
                return new Outcome(c.name(), c.what(), CaseVerdict.FAIL, r.failure(), null, null, List.of(r.report()));
            }
        }
        List<Report> reports = new ArrayList<>();
        List<String> misses = new ArrayList<>();
        String ladder = null;
        List<Exchange.Result> last = List.of();
        Step lastStep = null;
        for (int s = 0; s < c.steps().size(); s++) {
            Step step = sized(c.steps().get(s), refs);
            Reference like = like(refs, step.expect());
            if (like != null && like.failure() != null) {
                return new Outcome(c.name(), c.what(), CaseVerdict.FAIL, like.failure(), null, null, List.of(like.report()));
            }
            List<Exchange.Result> results = runStep(step);
            for (int k = 0; k < results.size(); k++) {
                Report report = Report.of(results.get(k));
                reports.add(report);
                List<String> its = step.expect().misses(report, step.plan().after(), step.plan().read().stopAfterBytes(), like);
                for (String miss : its) {
                    String who = (c.steps().size() > 1 ? "step " + (s + 1) + " " : "") + (step.clients() > 1 ? "client " + (k + 1) + ": " : "");
                    misses.add(who + miss);
                }
                if (!its.isEmpty() && ladder == null) {
                    ladder = ladder(step, results.get(k));
                }
            }
            last = results;
            lastStep = step;
        }
        if (!misses.isEmpty()) {
            String detail = misses.get(0) + (misses.size() > 1 ? " (+" + (misses.size() - 1) + " more)" : "");
            return new Outcome(c.name(), c.what(), CaseVerdict.FAIL, detail, null, ladder, reports);
        }
        StrictOutcome strict = null;
        if (c.strict() != null) {
            Expectation expect = c.strict().expect().scaled(scale(lastStep.sizedBy(), refs));
            Reference like = like(refs, expect);
            List<String> strictMisses = new ArrayList<>();
            if (like != null && like.failure() != null) {
                strictMisses.add(like.failure());
            }
            for (int k = 0; k < last.size() && strictMisses.isEmpty(); k++) {
                Report report = reports.get(reports.size() - last.size() + k);
                strictMisses.addAll(expect.misses(report, lastStep.plan().after(), lastStep.plan().read().stopAfterBytes(), like));
                if (!strictMisses.isEmpty()) {
                    ladder = ladder(lastStep, last.get(k));
                }
            }
            strict = strictMisses.isEmpty() ? new StrictOutcome(CaseVerdict.PASS, c.strict().why(), summary(reports))
                    : new StrictOutcome(CaseVerdict.FAIL, c.strict().why(), strictMisses.get(0));
        }
        return new Outcome(c.name(), c.what(), CaseVerdict.PASS, summary(reports), strict, ladder, reports);
    }

    private static Reference resource(References refs, String name) {
        Reference r = refs == null ? null : refs.ofResource(name);
        if (r == null) {
            throw new IllegalStateException("no reference was fetched for ${" + name + "}");
        }
        return r;
    }

    private static Reference like(References refs, Expectation expect) {
        if (expect.like() == null) {
            return null;
        }
        Reference r = refs == null ? null : refs.ofPath(expect.like());
        if (r == null) {
            throw new IllegalStateException("no reference was fetched for " + expect.like());
        }
        return r;
    }

    /**
     * The step as it runs on this target: where its file is larger than the fixture its bounds were
     * written for, its timeout and time bound grow in proportion; a FIN "after N bytes" that would
     * come after the whole body comes after half of it, so it stays mid-response.
     */
    private static Step sized(Step step, References refs) {
        if (step.sizedBy() == null) {
            return step;
        }
        long factor = scale(step.sizedBy(), refs);
        long body = resource(refs, step.sizedBy()).report().bodyBytes();
        Plan p = step.plan();
        ReadPolicy read = p.read();
        if (read.shutWrAfterBytes() >= body) {
            read = new ReadPolicy(read.delayMillis(), read.bytesPerSecond(), body / 2, read.stopAfterBytes(), read.receiveBuffer());
        }
        Plan plan = new Plan(p.host(), p.port(), p.pieces(), p.after(), p.shutWrAfterMillis(), read,
                Duration.ofMillis(p.timeout().toMillis() * factor), p.tls());
        return new Step(plan, step.clients(), step.expect().scaled(factor), step.sizedBy());
    }

    /** How many times the fixture's size the target's file is, rounded up (at least 1). */
    private static long scale(String sizedBy, References refs) {
        if (sizedBy == null) {
            return 1;
        }
        long body = resource(refs, sizedBy).report().bodyBytes();
        long fixture = Fixtures.size(sizedBy.equals("large") ? "hc-10m.bin" : "hc-1m.bin");
        return Math.max(1, (body + fixture - 1) / fixture);
    }

    private static String ladder(Step step, Exchange.Result result) {
        List<Piece> pieces = step.plan().pieces();
        String requestLine = pieces.isEmpty() ? null : Ladder.requestLine(pieces.get(0).bytes());
        return Ladder.render(result.timeline(), requestLine, Ladder.statusLine(result.meter()));
    }

    private static List<Exchange.Result> runStep(Step step) {
        if (step.clients() == 1) {
            return List.of(Exchange.run(step.plan(), ResponseMeter.Sink.NONE));
        }
        ExecutorService pool = Executors.newFixedThreadPool(step.clients());
        try {
            List<Future<Exchange.Result>> futures = new ArrayList<>();
            for (int i = 0; i < step.clients(); i++) {
                futures.add(pool.submit(() -> Exchange.run(step.plan(), ResponseMeter.Sink.NONE)));
            }
            List<Exchange.Result> results = new ArrayList<>();
            for (Future<Exchange.Result> f : futures) {
                try {
                    results.add(f.get(step.plan().timeout().toMillis() + 10_000, TimeUnit.MILLISECONDS));
                } catch (Exception e) {
                    throw new IllegalStateException("a client did not finish: " + e, e);
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * What happened, when all went as expected: e.g. "200 complete FIN 12ms" or "50 exchanges, last: 200 complete FIN 300ms";
     * over TLS the end is "close_notify+FIN" when the server's close_notify came before its FIN.
     */
    private static String summary(List<Report> reports) {
        Report last = reports.get(reports.size() - 1);
        double max = reports.stream().mapToDouble(Report::durationMs).max().orElse(0);
        String end = last.end() == null ? "-" : last.end();
        if (Boolean.TRUE.equals(last.serverCloseNotify()) && end.equals(StreamEnd.FIN.name())) {
            end = "close_notify+FIN";
        }
        String one = (last.status() == null ? (last.simpleResponse() ? "0.9" : "-") : String.valueOf(last.status()))
                + " " + last.verdict() + " " + end;
        return (reports.size() > 1 ? reports.size() + " exchanges, last: " : "") + one + " " + Math.round(max) + "ms";
    }
}
