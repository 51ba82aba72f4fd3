package dev.halfway.client;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs cases one after another (a step's clients at once) and judges every exchange. */
public final class RegressRunner {

    /** How one case went: passed or not, one line of what happened, and every client's report. */
    public record Outcome(String name, String what, boolean passed, String detail, List<Report> reports) {}

    private final PrintStream progress;

    /** @param progress where the running "[i/n] name" line goes (stderr), or null for none */
    public RegressRunner(PrintStream progress) {
        this.progress = progress;
    }

    public List<Outcome> run(List<RegressCase> cases) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            RegressCase c = cases.get(i);
            if (progress != null) {
                progress.print("\r[" + (i + 1) + "/" + cases.size() + "] " + c.name() + " ...\u001b[K");
                progress.flush();
            }
            outcomes.add(run(c));
        }
        if (progress != null) {
            progress.print("\r\u001b[K");
            progress.flush();
        }
        return outcomes;
    }

    public Outcome run(RegressCase c) {
        List<Report> reports = new ArrayList<>();
        List<String> misses = new ArrayList<>();
        for (int s = 0; s < c.steps().size(); s++) {
            Step step = c.steps().get(s);
            List<Report> stepReports = runStep(step);
            reports.addAll(stepReports);
            for (int k = 0; k < stepReports.size(); k++) {
                for (String miss : step.expect().misses(stepReports.get(k), step.plan().after(), step.plan().read().stopAfterBytes())) {
                    String who = (c.steps().size() > 1 ? "step " + (s + 1) + " " : "") + (step.clients() > 1 ? "client " + (k + 1) + ": " : "");
                    misses.add(who + miss);
                }
            }
        }
        String detail = misses.isEmpty() ? summary(reports) : misses.get(0) + (misses.size() > 1 ? " (+" + (misses.size() - 1) + " more)" : "");
        return new Outcome(c.name(), c.what(), misses.isEmpty(), detail, reports);
    }

    private static List<Report> runStep(Step step) {
        if (step.clients() == 1) {
            return List.of(Report.of(Exchange.run(step.plan(), ResponseMeter.Sink.NONE)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(step.clients());
        try {
            List<Future<Report>> futures = new ArrayList<>();
            for (int i = 0; i < step.clients(); i++) {
                futures.add(pool.submit(() -> Report.of(Exchange.run(step.plan(), ResponseMeter.Sink.NONE))));
            }
            List<Report> reports = new ArrayList<>();
            for (Future<Report> f : futures) {
                try {
                    reports.add(f.get(step.plan().timeout().toMillis() + 10_000, TimeUnit.MILLISECONDS));
                } catch (Exception e) {
                    throw new IllegalStateException("a client did not finish: " + e, e);
                }
            }
            return reports;
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
