package dev.halfway.client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The files the default regression suite asks for, generated the same way everywhere: a small
 * text file, 1 MiB and 10 MiB of fixed pseudo-random bytes ({@link Random} is specified to give
 * the same sequence for a seed on every JVM), and a folder. Cases name them; the runner knows
 * their SHA-256 without reading the server's disk.
 */
public final class Fixtures {
    /** name → how to make it. */
    private static final Map<String, Spec> FILES = new LinkedHashMap<>();

    private record Spec(long seed, int size, String text) {}

    static {
        FILES.put("hc-small.txt", new Spec(0, 0, "halfway regression fixture: a small text file.\n"));
        FILES.put("hc-1m.bin", new Spec(1, 1 << 20, null));
        FILES.put("hc-10m.bin", new Spec(10, 10 << 20, null));
        FILES.put("hc-dir/inner.txt", new Spec(0, 0, "inside hc-dir\n"));
    }

    private Fixtures() {}

    public static boolean isFixture(String name) {
        return FILES.containsKey(name);
    }

    /** Writes every fixture under {@code dir} (created if needed); returns the names written. */
    public static Iterable<String> make(Path dir) throws IOException {
        for (Map.Entry<String, Spec> e : FILES.entrySet()) {
            Path file = dir.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                generate(e.getValue(), out);
            }
        }
        return FILES.keySet();
    }

    /** The size in bytes of fixture {@code name}. */
    public static long size(String name) {
        Spec spec = FILES.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no fixture named " + name);
        }
        return spec.text() != null ? spec.text().getBytes(StandardCharsets.UTF_8).length : spec.size();
    }

    /** The SHA-256 (hex) of fixture {@code name}. */
    public static String sha256(String name) {
        Spec spec = FILES.get(name);
        if (spec == null) {
            throw new IllegalArgumentException("no fixture named " + name);
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            generate(spec, new OutputStream() {
                @Override
                public void write(int b) {
                    sha.update((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    sha.update(b, off, len);
                }
            });
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void generate(Spec spec, OutputStream out) throws IOException {
        if (spec.text() != null) {
            out.write(spec.text().getBytes(StandardCharsets.UTF_8));
            return;
        }
        Random random = new Random(spec.seed());
        byte[] chunk = new byte[64 * 1024];
        for (int written = 0; written < spec.size(); written += chunk.length) {
            random.nextBytes(chunk);
            out.write(chunk, 0, Math.min(chunk.length, spec.size() - written));
        }
    }
}
