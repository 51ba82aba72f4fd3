package dev.halfway.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * What an ordinary request got for one request target: {@code GET TARGET HTTP/1.0} with a Host
 * header, our side left open, the response read to the server's end. Every half-close case that
 * asks for the same target is compared with it (status, length, bytes), so the suite checks that
 * a half-close changes nothing, whatever the server's own answer is.
 *
 * @param failure  why the ordinary request itself failed (the server reset, cut or never ended it), or null
 * @param unusable why the resource cannot serve its cases (missing, a redirect, too small, not the
 *                 fixture), or null; cases that use it are skipped
 */
public record Reference(String path, Report report, String failure, String unusable) {
    /** How long an ordinary request may take, 10 MiB included. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    public boolean usable() {
        return failure == null && unusable == null;
    }

    /** Fetches {@code path} and judges it as {@code resource} (null: any complete answer will do). */
    public static Reference fetch(Target target, TlsPlan tls, String path, Resources.Resource resource) {
        String request = "GET " + path + " HTTP/1.0\r\nHost: " + target.hostHeader() + "\r\n\r\n";
        Plan plan = new Plan(target.host(), target.port(), List.of(Piece.of(request.getBytes(StandardCharsets.ISO_8859_1))),
                AfterSend.NO_SHUT, 0, ReadPolicy.EAGER, TIMEOUT, tls);
        return judge(path, Report.of(Exchange.run(plan, ResponseMeter.Sink.NONE)), resource);
    }

    /** The judgement of {@link #fetch} on a report already made. */
    static Reference judge(String path, Report report, Resources.Resource resource) {
        String asked = "GET " + path;
        if (!Verdict.COMPLETE.label().equals(report.verdict()) || report.status() == null) {
            String got = report.status() == null && report.simpleResponse() ? "a response without a status line" : report.verdict();
            return new Reference(path, report, "the ordinary request " + asked + " got " + got
                    + (report.error() == null ? "" : " (" + report.error() + ")"), null);
        }
        return new Reference(path, report, null, resource == null ? null : unusable(asked, report, resource));
    }

    /** e.g. "1 MiB", "512 KiB", "47 bytes". */
    private static String bytes(long n) {
        return n >= (1 << 20) && n % (1 << 20) == 0 ? (n >> 20) + " MiB" : n >= 1024 && n % 1024 == 0 ? (n >> 10) + " KiB" : n + " bytes";
    }

    private static String unusable(String asked, Report r, Resources.Resource resource) {
        int status = r.status();
        String named = resource.option() == null ? "" : " (name another with " + resource.option() + ")";
        switch (resource.kind()) {
            case FILE -> {
                if (status != 200) {
                    return asked + " answered " + status + (status >= 300 && status < 400 ? ", not a file" : "") + named;
                }
                if (r.bodyBytes() < resource.minBytes()) {
                    return asked + " is " + r.bodyBytes() + " bytes; these cases need at least " + bytes(resource.minBytes()) + named;
                }
                if (resource.fixture() != null && !Fixtures.sha256(resource.fixture()).equals(r.bodySha256())) {
                    return asked + " is not the regress fixture " + resource.fixture()
                            + " (serve the files of regress --make-fixtures DIR, or name the target's own with " + resource.option() + ")";
                }
                return null;
            }
            case DIR -> {
                return status == 404 || status == 410 ? asked + " answered " + status + ": no such directory" + named : null;
            }
            case MISSING -> {
                return status >= 400 && status < 500 ? null : asked + " answered " + status + " for a path that should not exist";
            }
            default -> throw new IllegalStateException(resource.kind().name());
        }
    }
}
