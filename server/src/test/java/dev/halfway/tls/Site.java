package dev.halfway.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** The document root the TLS peer tests serve, made at test time: a small file and 10 MiB of fixed pseudo-random bytes. */
final class Site {
    static final String SMALL = "small file\n";
    static final int BIG = 10 * 1024 * 1024;

    private Site() {}

    static Path make(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("index.html"), "<!DOCTYPE html><title>t</title><p>hello half-close</p>\n");
        Files.writeString(dir.resolve("small.txt"), SMALL, StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(dir.resolve("big.bin"))) {
            Random random = new Random(42);
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < BIG / chunk.length; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        return dir;
    }

    static byte[] big(Path root) throws IOException {
        return Files.readAllBytes(root.resolve("big.bin"));
    }
}
