package dev.halfway.client;

import static org.apache.commons.text.StringEscapeUtils.escapeHtml4;

import dev.halfway.client.RegressRunner.CaseVerdict;
import dev.halfway.client.RegressRunner.Outcome;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * {@code regress --report FILE.html}: one self-contained page (inline CSS, no script, nothing
 * fetched) with a summary bar, the resources as the ordinary requests found them, one row per case
 * (name, what it checks, verdict, why), the strict checks apart, and for every failed case the
 * ladder diagram of the exchange that missed. Elements carry {@code data-} attributes so tools
 * (and the tests) can read the page without scraping its text.
 */
final class HtmlReport {
    private HtmlReport() {}

    /**
     * @param target  the target as the user named it
     * @param at      when the run ended
     * @param counts  the tally the text summary prints
     */
    static String render(String target, boolean tls, String version, Instant at, List<Outcome> outcomes,
                         List<Map.Entry<String, Reference>> resources, Tally counts) {
        StringBuilder b = new StringBuilder(16 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>regress: ").append(e(target)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        b.append("<h1>Half-close conformance: ").append(e(target)).append("</h1>\n");
        b.append("<p class=\"meta\">").append(tls ? "over TLS, " : "").append(e(version))
                .append(", ").append(e(at.truncatedTo(ChronoUnit.SECONDS).toString())).append("</p>\n");

        int total = Math.max(1, counts.passed() + counts.failed() + counts.skipped());
        b.append("<div class=\"bar\" id=\"summary\" data-passed=\"").append(counts.passed()).append("\" data-failed=\"")
                .append(counts.failed()).append("\" data-skipped=\"").append(counts.skipped()).append("\">");
        segment(b, "pass", counts.passed(), total, "passed");
        segment(b, "fail", counts.failed(), total, "failed");
        segment(b, "skip", counts.skipped(), total, "skipped");
        b.append("</div>\n<p class=\"tally\">").append(e(counts.line())).append("</p>\n");
        if (counts.strictPassed() + counts.strictFailed() > 0) {
            int strictTotal = counts.strictPassed() + counts.strictFailed();
            b.append("<div class=\"bar strict\" id=\"strict-summary\" data-passed=\"").append(counts.strictPassed())
                    .append("\" data-failed=\"").append(counts.strictFailed()).append("\">");
            segment(b, "pass", counts.strictPassed(), strictTotal, "strict passed");
            segment(b, "fail", counts.strictFailed(), strictTotal, "strict failed");
            b.append("</div>\n<p class=\"tally\">").append(e(counts.strictLine())).append("</p>\n");
        }

        if (!resources.isEmpty()) {
            b.append("<h2>Resources</h2>\n<p>What an ordinary request (no half-close) got for each; every case compares with it.</p>\n");
            b.append("<table id=\"resources\">\n<thead><tr><th>resource</th><th>request</th><th>status</th><th>body bytes</th>"
                    + "<th>usable</th></tr></thead>\n<tbody>\n");
            for (Map.Entry<String, Reference> r : resources) {
                Reference ref = r.getValue();
                String why = ref.unusable() != null ? ref.unusable() : ref.failure();
                b.append("<tr data-resource=\"").append(e(r.getKey())).append("\" data-usable=\"").append(ref.usable()).append("\"><td>${")
                        .append(e(r.getKey())).append("}</td><td><code>GET ").append(e(ref.path())).append("</code></td><td>")
                        .append(ref.report().status() == null ? "-" : ref.report().status()).append("</td><td>")
                        .append(ref.report().bodyBytes()).append("</td><td>").append(why == null ? "yes" : "no: " + e(why)).append("</td></tr>\n");
            }
            b.append("</tbody>\n</table>\n");
        }

        b.append("<h2>Cases</h2>\n<table id=\"cases\">\n<thead><tr><th>#</th><th>case</th><th>what it checks</th><th>verdict</th>"
                + "<th>why</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            String v = o.verdict().name();
            b.append("<tr class=\"").append(v.toLowerCase(java.util.Locale.ROOT)).append("\" data-case=\"").append(e(o.name()))
                    .append("\" data-verdict=\"").append(v).append("\"><td>").append(i + 1).append("</td><td><code>")
                    .append(e(o.name())).append("</code></td><td>").append(e(o.what())).append("</td><td class=\"verdict\">")
                    .append(v).append("</td><td>").append(e(o.detail()));
            if (o.ladder() != null && o.verdict() == CaseVerdict.FAIL) {
                b.append(" <a href=\"#ladder-").append(e(o.name())).append("\">ladder</a>");
            }
            b.append("</td></tr>\n");
        }
        b.append("</tbody>\n</table>\n");

        List<Outcome> strict = outcomes.stream().filter(o -> o.strict() != null).toList();
        if (!strict.isEmpty()) {
            b.append("<h2>Strict checks</h2>\n<p>halfway's own choices, where RFC 1945 and RFC 9112 allow other answers: "
                    + "shown apart, and checked only where the case itself passed.</p>\n");
            b.append("<table id=\"strict\">\n<thead><tr><th>case</th><th>the choice</th><th>verdict</th><th>why</th></tr></thead>\n<tbody>\n");
            for (Outcome o : strict) {
                String v = o.strict().verdict().name();
                b.append("<tr class=\"").append(v.toLowerCase(java.util.Locale.ROOT)).append("\" data-case=\"").append(e(o.name()))
                        .append("\" data-verdict=\"").append(v).append("\"><td><code>").append(e(o.name())).append("</code></td><td>")
                        .append(e(o.strict().why())).append("</td><td class=\"verdict\">").append(v).append("</td><td>")
                        .append(e(o.strict().detail()));
                if (o.ladder() != null && o.strict().verdict() == CaseVerdict.FAIL) {
                    b.append(" <a href=\"#ladder-").append(e(o.name())).append("\">ladder</a>");
                }
                b.append("</td></tr>\n");
            }
            b.append("</tbody>\n</table>\n");
        }

        List<Outcome> laddered = outcomes.stream().filter(o -> o.ladder() != null
                && (o.verdict() == CaseVerdict.FAIL || o.strict() != null && o.strict().verdict() == CaseVerdict.FAIL)).toList();
        if (!laddered.isEmpty()) {
            b.append("<h2>Ladders of the failed cases</h2>\n<p>The client's view of the first exchange that missed, "
                    + "as <code>halfway-client send --ladder</code> draws it: the client on the left, the server on the right.</p>\n");
            for (Outcome o : laddered) {
                b.append("<section class=\"ladder\" id=\"ladder-").append(e(o.name())).append("\" data-case=\"").append(e(o.name()))
                        .append("\">\n<h3>").append(e(o.name())).append("</h3>\n<p>")
                        .append(e(o.verdict() == CaseVerdict.FAIL ? o.detail() : "strict: " + o.strict().detail()))
                        .append("</p>\n<pre>").append(e(o.ladder())).append("</pre>\n</section>\n");
            }
        }
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static void segment(StringBuilder b, String kind, int n, int total, String label) {
        if (n == 0) {
            return;
        }
        double width = 100.0 * n / total;
        b.append("<span class=\"").append(kind).append("\" data-count=\"").append(n).append("\" style=\"width:")
                .append(String.format(java.util.Locale.ROOT, "%.2f", width)).append("%\" title=\"").append(n).append(' ')
                .append(label).append("\">").append(n).append(' ').append(label).append("</span>");
    }

    private static String e(String text) {
        return text == null ? "" : escapeHtml4(text);
    }

    private static final String CSS = """
            body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1a1a1a; }
            h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; font-size: 1.2em; }
            .meta { color: #555; margin-top: 0; }
            .bar { display: flex; height: 2em; border-radius: 4px; overflow: hidden; background: #eee; }
            .bar span { display: flex; align-items: center; justify-content: center; color: #fff; font-weight: 600;
                        white-space: nowrap; overflow: hidden; min-width: 2.5em; }
            .bar.strict { height: 1.4em; font-size: 0.85em; max-width: 40em; }
            .bar .pass { background: #2e7d32; } .bar .fail { background: #c62828; } .bar .skip { background: #8a8a8a; }
            .tally { margin: 0.3em 0 1em; }
            table { border-collapse: collapse; width: 100%; }
            th, td { text-align: left; vertical-align: top; padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; }
            th { background: #f4f4f4; }
            tr.pass .verdict { color: #2e7d32; font-weight: 600; } tr.fail .verdict { color: #c62828; font-weight: 600; }
            tr.skip .verdict { color: #777; font-weight: 600; } tr.fail { background: #fff4f4; }
            pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 13px; line-height: 1.3; }
            code { font-size: 0.95em; }
            """;
}
