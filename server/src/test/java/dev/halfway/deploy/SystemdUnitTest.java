package dev.halfway.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/deploy/halfway@.service as systemd reads it (systemd-analyze, offline: no systemd needs to
 * run): a valid unit, the sandbox the deploy guide promises, and an exposure score systemd itself
 * rates low. Fails (never skips) without systemd-analyze; .ci/run installs it.
 */
class SystemdUnitTest {
    static final Path UNIT = Path.of("..", "docs", "deploy", "halfway@.service");

    @TempDir
    Path dir;

    record Run(int exit, String output) {}

    static Run systemdAnalyze(List<String> args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("systemd-analyze"));
        command.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("systemd-analyze is not installed (Debian's systemd package); .ci/run installs it", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze finished");
        return new Run(p.exitValue(), out);
    }

    Path instance() throws IOException {
        return Files.copy(UNIT, dir.resolve("halfway@8081.service")); // a template is checked as an instance
    }

    @Test
    void theUnitIsValid() throws Exception {
        Run r = systemdAnalyze(List.of("verify", "--man=no", instance().toString()));
        assertEquals(0, r.exit(), r.output());
        assertEquals("", r.output().strip(), "no warnings");
    }

    @Test
    void theSandboxIsThePromisedOne() throws Exception {
        String unit = Files.readString(UNIT);
        for (String directive : List.of("DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "ProtectHome=yes",
                "CapabilityBoundingSet=\n", "ExecStart=/usr/bin/java @server/jvm.options -jar server/target/halfway-server.jar",
                "--proxy-protocol", "KillSignal=SIGTERM")) {
            assertTrue(unit.contains(directive), "the unit has " + directive.strip());
        }
        Run r = systemdAnalyze(List.of("security", "--offline=true", "--threshold=30", instance().toString()));
        assertEquals(0, r.exit(), "systemd rates the exposure at most 3.0 of 10 (its threshold is in tenths):\n" + r.output());
    }
}
