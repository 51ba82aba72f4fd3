package dev.halfway.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and certificate files made by the real {@code openssl}, as users make them: the forms a
 * CA, certbot or a colleague hands out. Fails (never skips) when openssl is missing.
 */
public final class OpenSsl {
    private OpenSsl() {}

    /** Runs {@code openssl args...} in {@code dir}; fails with its output unless it exits 0. */
    public static void run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("openssl is not installed (on PATH); .ci/run installs it. These tests are not skipped without it.", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + output);
        }
    }

    /** A key of {@code kind} in {@code file}: rsa-pkcs1, rsa-pkcs8, ec-sec1 (with its EC PARAMETERS block), ec-pkcs8, ed25519. */
    public static Path key(Path dir, String kind, String file) throws IOException, InterruptedException {
        switch (kind) {
            case "rsa-pkcs1" -> run(dir, "genrsa", "-traditional", "-out", file, "2048");
            case "rsa-pkcs8" -> run(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file);
            case "ec-sec1" -> run(dir, "ecparam", "-name", "prime256v1", "-genkey", "-out", file);
            case "ec-pkcs8" -> run(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file);
            case "ed25519" -> run(dir, "genpkey", "-algorithm", "ed25519", "-out", file);
            default -> throw new IllegalArgumentException(kind);
        }
        return dir.resolve(file);
    }

    /** A self-signed certificate for {@code key}, for localhost and 127.0.0.1. */
    public static Path certificate(Path dir, Path key, String file) throws IOException, InterruptedException {
        run(dir, "req", "-x509", "-key", key.toString(), "-subj", "/CN=localhost", "-days", "2",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-out", file);
        return dir.resolve(file);
    }
}
