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
        description = {"Run half-close regression cases against a server and print PASS/FAIL for each.",
                "The default suite asks for fixture files: make them with --make-fixtures DIR and serve DIR.",
                "--tls runs the same cases over TLS: every half-close is then our close_notify followed by the TCP FIN, "
                + "and a server whose FIN comes without its close_notify fails (RFC 8446, section 6.1)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every case passed (or fixtures made)", "1:some case failed", "2:bad arguments or cases"})
final class RegressCommand implements Callable<Integer> {
    static final String SUITE = "/cases/";

    @Option(names = "--target", paramLabel = "HOST:PORT", description = "The server to check.")
    String target;

    @Option(names = "--cases", paramLabel = "DIR", description = "Run the *.json cases in DIR instead of the built-in suite.")
    Path casesDir;

    @Option(names = "--only", paramLabel = "NAME", arity = "1..*", description = "Run only the cases with these names.")
    List<String> only = new ArrayList<>();

    @Option(names = "--report", paramLabel = "FILE.json", description = "Also write every result as JSON.")
    Path report;

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
        String host = "127.0.0.1";
        int port = 0;
        if (!list) {
            if (target == null) {
                err.println("regress: give --target HOST:PORT (or --make-fixtures DIR, or --list)");
                return Verdict.USAGE;
            }
            int colon = target.lastIndexOf(':');
            try {
                host = target.substring(0, colon).replace("[", "").replace("]", "");
                port = Integer.parseInt(target.substring(colon + 1));
                if (colon <= 0 || port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (RuntimeException e) {
                err.println("regress: --target must be HOST:PORT, not '" + target + "'");
                return Verdict.USAGE;
            }
        }
        TlsPlan tlsPlan;
        try {
            if (!tls && (insecure || tlsVersion != null)) {
                throw new IllegalArgumentException("--insecure and --tls-version go with --tls");
            }
            tlsPlan = tls ? TlsPlan.of(insecure, tlsVersion, false) : null;
        } catch (IllegalArgumentException e) {
            err.println("regress: " + e.getMessage());
            return Verdict.USAGE;
        }
        List<RegressCase> cases;
        try {
            cases = load(new CaseReader(host, port, www, tlsPlan));
        } catch (IllegalArgumentException | IOException e) {
            err.println("regress: " + e.getMessage());
            return Verdict.USAGE;
        }
        String column = "%-" + cases.stream().mapToInt(c -> c.name().length()).max().orElse(1) + "s";
        if (list) {
            for (RegressCase c : cases) {
                out.printf(column + " %s%n", c.name(), c.what());
            }
            return 0;
        }
        // The progress line rewrites itself with \r: only where a person watches a terminal.
        List<RegressRunner.Outcome> outcomes = new RegressRunner(System.console() != null ? err : null).run(cases);
        int passed = 0;
        for (RegressRunner.Outcome o : outcomes) {
            out.printf("%s  " + column + " %s%n", o.passed() ? "PASS" : "FAIL", o.name(), o.detail());
            passed += o.passed() ? 1 : 0;
        }
        int failed = outcomes.size() - passed;
        out.println(passed + " passed, " + failed + " failed");
        if (report != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("target", target);
            json.put("tls", tls);
            json.put("passed", passed);
            json.put("failed", failed);
            json.put("cases", outcomes);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report.toFile(), json);
        }
        return failed == 0 ? 0 : 1;
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
