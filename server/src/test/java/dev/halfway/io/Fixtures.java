package dev.halfway.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** A small document root made at test time, with a 10 MiB file of fixed pseudo-random bytes. */
final class Fixtures {
    static final int BIG = 10 * 1024 * 1024;
    static final String INDEX = "<!DOCTYPE html><title>t</title><p>hello half-close</p>\n";

    private Fixtures() {}

    static Path root(Path dir) throws IOException {
        Files.writeString(dir.resolve("index.html"), INDEX);
        Files.writeString(dir.resolve("small.txt"), "small file\n");
        Files.writeString(dir.resolve("empty.txt"), "");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/a.txt"), "a\n");
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/index.html"), "<p>docs</p>\n");
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
