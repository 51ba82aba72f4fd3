package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real TLS peers (curl, openssl, stunnel, socat, nc), run as the programs they are. A missing
 * one fails the test with what to install, never skips it: {@code .ci/run} installs them all.
 */
final class Peer {
    /** What a finished run printed: stdout as bytes (a response is binary), stderr as text. */
    record Result(int exit, byte[] out, String err, List<String> command) {
        String text() {
            return new String(out, StandardCharsets.ISO_8859_1);
        }

        String describe() {
            String shown = out.length > 4096 ? text().substring(0, 4096) + "... (" + out.length + " bytes)" : text();
            return "command " + command + " exited " + exit + "\n--- stdout:\n" + shown + "\n--- stderr:\n" + err;
        }
    }

    private Peer() {}

    /**
     * Runs {@code command} with {@code stdin} as its input (then EOF), at most 20 s; a missing
     * program or a hang fails the test. {@code scratch} holds the output files.
     */
    static Result run(Path scratch, byte[] stdin, String... command) throws Exception {
        List<String> cmd = List.of(command);
        requireInstalled(programs(cmd));
        Path in = Files.write(Files.createTempFile(scratch, "in", ".bin"), stdin);
        Path out = Files.createTempFile(scratch, "out", ".bin");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        Process p = start(new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()));
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                fail("timed out after 20 s: " + cmd + "\n--- stderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.ISO_8859_1), cmd);
        } finally {
            stop(p);
        }
    }

    /** Runs {@code command} with no input at all ({@code /dev/null}). */
    static Result run(Path scratch, String... command) throws Exception {
        return run(scratch, new byte[0], command);
    }

    /** Starts a process, failing the test (not throwing IOException) when it cannot start. */
    static Process start(ProcessBuilder pb) {
        requireInstalled(programs(pb.command()));
        try {
            return pb.start();
        } catch (IOException e) {
            fail("cannot start " + pb.command() + ": " + e.getMessage());
            return null;
        }
    }

    /** SIGTERM to the process (by its pid) and its children; SIGKILL if that does not end it within 5 s. */
    static void stop(Process p) throws InterruptedException {
        if (p == null || !p.isAlive()) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
        children.forEach(ProcessHandle::destroy);
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            children.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The first of {@code names} on PATH (Debian's stunnel4 package installs both stunnel4 and stunnel). */
    static String firstInstalled(String... names) {
        for (String name : names) {
            if (onPath(name)) {
                return name;
            }
        }
        fail("none of " + Arrays.toString(names) + " is installed; " + HOW);
        return null;
    }

    private static final String HOW = ".ci/run installs curl, openssl, stunnel4, socat and netcat-openbsd. "
            + "These end-to-end tests are not skipped without them.";

    private static void requireInstalled(List<String> programs) {
        for (String program : programs) {
            if (!onPath(program)) {
                fail(program + " is not installed (on PATH); " + HOW);
            }
        }
    }

    /** The external programs a command needs: itself, and for {@code bash -c}, those its pipeline runs. */
    private static List<String> programs(List<String> cmd) {
        List<String> programs = new ArrayList<>(List.of(cmd.get(0)));
        if (cmd.get(0).equals("bash") && cmd.size() > 2) {
            for (String stage : cmd.get(2).split("\\|")) {
                String program = stage.strip().split("\\s+")[0];
                if (!program.equals("printf") && !program.isEmpty()) {
                    programs.add(program);
                }
            }
        }
        return programs;
    }

    static boolean onPath(String program) {
        if (program.startsWith("/")) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
