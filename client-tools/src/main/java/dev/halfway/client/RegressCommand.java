package dev.halfway.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halfway-client regress}: runs the half-close regression suite against any HTTP server. */
@Command(name = "regress", mixinStandardHelpOptions = true, versionProvider = ClientVersion.class, sortOptions = false,
        usageHelpAutoWidth = true,
        description = {"Run half-close regression cases against a server and print PASS, FAIL or SKIP for each.",
                "First it fetches each file the cases ask for with an ordinary request (no half-close); every case "
                + "compares its answer with that one. A case whose file is missing or unusable is skipped, with the reason.",
                "By default the cases ask for the fixture files (make them with --make-fixtures DIR and serve DIR); "
                + "--small, --large and --dir name a server's own files instead.",
                "Where RFC 1945 and RFC 9112 allow several answers, halfway's own choice is a strict check, "
                + "reported apart; --strict makes a strict miss fail the run.",
                "--tls (or an https:// target) runs the same cases over TLS: every half-close is then our close_notify "
                + "followed by the TCP FIN, and a server whose FIN comes without its close_notify fails (RFC 8446, section 6.1)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no case failed (skipped ones are listed; or fixtures made)", "1:some case failed (with --strict: or a strict check)",
                "2:bad arguments or cases, or the target could not be reached at all"})
final class RegressCommand implements Callable<Integer> {
    static final String SUITE = "/cases/";

    @Option(names = "--target", paramLabel = "URL", description = "The server to check: http://HOST:PORT[/prefix], "
            + "https://HOST:PORT[/prefix] or HOST:PORT. Every path is under the prefix.")
    String target;

    @Option(names = "--small", paramLabel = "PATH", description = "Any file on the target (default: hc-small.txt).")
    String small;

    @Option(names = "--large", paramLabel = "PATH", description = "A file of 1 MiB or more, for the slow-reader, mid-response and "
            + "staged-close cases (default: hc-10m.bin); time bounds grow with its size beyond 10 MiB.")
    String large;

    @Option(names = "--medium", paramLabel = "PATH", description = "A file of 1 MiB or more for the concurrent and delayed-read cases "
            + "(default: --large when given, else hc-1m.bin).")
    String medium;

    @Option(names = "--dir", paramLabel = "PATH", description = "A directory, with or without its slash (default: hc-dir).")
    String dir;

    @Option(names = "--cases", paramLabel = "DIR", description = "Run the *.json cases in DIR instead of the built-in suite.")
    Path casesDir;

    @Option(names = "--only", paramLabel = "NAME", arity = "1..*", description = "Run only the cases with these names.")
    List<String> only = new ArrayList<>();

    @Option(names = "--strict", description = "A strict check that misses fails the run too (exit 1).")
    boolean strict;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the results: FILE.html a page to look at "
            + "(a summary bar, a row per case, the ladder of each failed one), any other name JSON. May be given twice.")
    List<Path> reports = new ArrayList<>();

    @Option(names = "--www", paramLabel = "DIR", description = "The target's document root, for cases that compare a body with a file.")
    Path www;

    @Option(names = "--make-fixtures", paramLabel = "DIR", description = "Write the suite's fixture files into DIR, then exit.")
    Path fixturesDir;

    @Option(names = "--list", description = "List the cases and what each checks, then exit.")
    boolean list;

    @Option(names = "--tls", description = "Speak TLS to the target: each case's half-close (\"shut-wr\") is close_notify, "
            + "then the FIN; \"close\" is close_notify, then close.")
    boolean tls;

    @Option(names = "--insecure", description = "With --tls: trust any certificate and check no hostname "
            + "(without it: the JDK's default trust store, and the certificate must name the host).")
    boolean insecure;

    @Option(names = "--tls-version", paramLabel = "1.2|1.3", description = "With --tls: offer only this version (default: 1.3 and 1.2).")
    String tlsVersion;

    private final PrintStream out;
    private final PrintStream err;

    RegressCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        if (fixturesDir != null) {
            for (String name : Fixtures.make(fixturesDir)) {
                out.println("wrote " + fixturesDir.resolve(name));
            }
            out.println("now serve " + fixturesDir + " and run: halfway-client regress --target HOST:PORT");
            return 0;
        }
        Target where = new Target("127.0.0.1", 0, "", false);
        TlsPlan tlsPlan;
        Resources resources;
        try {
            if (!list) {
                if (target == null) {
                    throw new IllegalArgumentException("give --target URL (or --make-fixtures DIR, or --list)");
                }
                where = Target.parse(target);
            }
            boolean overTls = tls || where.https();
            if (!overTls && (insecure || tlsVersion != null)) {
                throw new IllegalArgumentException("--insecure and --tls-version go with --tls (or an https:// target)");
            }
            tlsPlan = overTls ? TlsPlan.of(insecure, tlsVersion, false) : null;
            resources = new Resources(where, small, medium, large, dir);
            for (Path r : reports) {
                Path parent = r.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw new IllegalArgumentException("--report " + r + ": no such directory " + parent);
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("regress: " + e.getMessage());
            return Verdict.USAGE;
        }
        List<RegressCase> cases;
        try {
            cases = load(new CaseReader(resources, www, tlsPlan));
        } catch (IllegalArgumentException | IOException e) {
            err.println("regress: " + e.getMessage());
            return Verdict.USAGE;
        }
        String column = "%-" + cases.stream().mapToInt(c -> c.name().length()).max().orElse(1) + "s";
        if (list) {
            for (RegressCase c : cases) {
                out.printf(column + " %s%n", c.name(), c.what() + (c.strict() == null ? "" : " [strict: " + c.strict().why() + "]"));
            }
            return 0;
        }
        // The progress line rewrites itself with \r: only where a person watches a terminal.
        PrintStream progress = System.console() != null ? err : null;
        References refs = References.fetch(cases, resources, tlsPlan, progress);
        String unreachable = refs.unreachable();
        if (unreachable != null) {
            err.println("regress: " + unreachable
                    + (unreachable.startsWith("TLS handshake failed") && !insecure ? " (--insecure trusts any certificate)" : ""));
            return Verdict.USAGE;
        }
        List<RegressRunner.Outcome> outcomes = new RegressRunner(progress).run(cases, refs);
        for (RegressRunner.Outcome o : outcomes) {
            out.printf("%s  " + column + " %s%n", o.verdict(), o.name(), o.detail());
        }
        List<RegressRunner.Outcome> strictOnes = outcomes.stream().filter(o -> o.strict() != null).toList();
        if (!strictOnes.isEmpty()) {
            out.println("strict checks (halfway's own choices, where RFC 1945 and RFC 9112 allow others):");
            for (RegressRunner.Outcome o : strictOnes) {
                out.printf("%s  " + column + " %s -- %s%n", o.strict().verdict(), o.name(), o.strict().detail(), o.strict().why());
            }
        }
        Tally tally = Tally.of(outcomes);
        if (!strictOnes.isEmpty()) {
            out.println(tally.strictLine());
        }
        out.println(tally.line());
        if (tally.passed() + tally.failed() == 0 && tally.skipped() > 0) {
            err.println("regress: every case was skipped: serve the fixtures (regress --make-fixtures DIR), "
                    + "or name the target's own files with --small, --large and --dir");
        }
        String shown = target;
        for (Path r : reports) {
            if (r.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".html")) {
                Files.writeString(r, HtmlReport.render(shown, tlsPlan != null, ClientVersion.TOKEN, java.time.Instant.now(),
                        outcomes, refs.resourceList(), tally), StandardCharsets.UTF_8);
            } else {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(r.toFile(), json(shown, tlsPlan != null, refs, outcomes, tally));
            }
        }
        return tally.failed() > 0 || strict && tally.strictFailed() > 0 ? 1 : 0;
    }

    private static Map<String, Object> json(String target, boolean tls, References refs, List<RegressRunner.Outcome> outcomes, Tally tally) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("target", target);
        json.put("tls", tls);
        json.put("passed", tally.passed());
        json.put("failed", tally.failed());
        json.put("skipped", tally.skipped());
        json.put("strict", Map.of("passed", tally.strictPassed(), "failed", tally.strictFailed()));
        List<Map<String, Object>> resources = new ArrayList<>();
        for (Map.Entry<String, Reference> e : refs.resourceList()) {
            Reference r = e.getValue();
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", e.getKey());
            one.put("path", r.path());
            one.put("status", r.report().status());
            one.put("bodyBytes", r.report().bodyBytes());
            one.put("usable", r.usable());
            one.put("reason", r.unusable() != null ? r.unusable() : r.failure());
            resources.add(one);
        }
        json.put("resources", resources);
        json.put("cases", outcomes);
        return json;
    }

    private List<RegressCase> load(CaseReader reader) throws IOException {
        List<RegressCase> cases = new ArrayList<>();
        if (casesDir != null) {
            if (!Files.isDirectory(casesDir)) {
                throw new IllegalArgumentException("no such directory: " + casesDir);
            }
            try (Stream<Path> files = Files.list(casesDir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                    cases.add(reader.read(f));
                }
            }
        } else {
            for (String name : builtInNames()) {
                try (InputStream in = RegressCommand.class.getResourceAsStream(SUITE + name)) {
                    cases.add(reader.read(in, name));
                }
            }
        }
        if (!only.isEmpty()) {
            List<String> missing = new ArrayList<>(only);
            missing.removeAll(cases.stream().map(RegressCase::name).toList());
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("no case named " + String.join(", ", missing));
            }
            cases.removeIf(c -> !only.contains(c.name()));
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("no cases to run");
        }
        return cases;
    }

    /** The built-in suite's files, in order, from {@code /cases/index.txt} in the jar. */
    static List<String> builtInNames() throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = RegressCommand.class.getResourceAsStream(SUITE + "index.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.trim());
                }
            }
        }
        return names;
    }
}
