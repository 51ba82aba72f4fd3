package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --reuse-port}: two servers on one port, and the kernel gives each a share of the connections. */
class ReusePortTest {
    @TempDir
    Path dir;

    @Test
    void twoServersShareOnePort() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer first = new TestServer(root, c -> c.reusePort(true));
             TestServer second = new TestServer(root, c -> c.reusePort(true).port(first.port()))) {
            assertEquals(first.port(), second.port());
            int connections = 40; // the kernel hashes each connection's addresses: both get some, but for 2^-39
            for (int i = 0; i < connections; i++) {
                try (RawClient c = new RawClient(first.port())) {
                    assertEquals(200, c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll().status());
                }
            }
            List<Integer> served = new ArrayList<>();
            for (TestServer s : List.of(first, second)) {
                int n = 0;
                while (s.pollRecord() != null) {
                    n++;
                }
                served.add(n);
            }
            assertEquals(connections, served.get(0) + served.get(1), "every connection logged once: " + served);
            assertTrue(served.get(0) > 0 && served.get(1) > 0, "both took connections: " + served);
        }
    }
}
