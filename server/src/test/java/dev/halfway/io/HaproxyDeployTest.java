package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.proxy.CidrList;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/deploy/haproxy.cfg, run as is with only its ports moved to free ones: both instances pass
 * the health check (sent over the PROXY protocol halfway requires), and half-closing clients
 * through the frontend are served by both, logged with their own ports.
 */
class HaproxyDeployTest {
    static final Path CONFIG = Path.of("..", "docs", "deploy", "haproxy.cfg");

    @TempDir
    Path dir;

    @Test
    void theDocumentedConfigServesHalfClosingClientsThroughBothInstances() throws Exception {
        String config = Files.readString(CONFIG);
        assertTrue(config.contains("bind 127.0.0.1:8080") && config.contains("127.0.0.1:8081") && config.contains("127.0.0.1:8082"),
                "the documented ports are where the test expects them");
        Path root = Fixtures.root(Files.createDirectories(dir.resolve("root")));
        try (TestServer a = new TestServer(root, c -> c.proxyProtocol(true, CidrList.LOOPBACK));
             TestServer b = new TestServer(root, c -> c.proxyProtocol(true, CidrList.LOOPBACK))) {
            String moved = config.replace("127.0.0.1:8081", "127.0.0.1:" + a.port())
                    .replace("127.0.0.1:8082", "127.0.0.1:" + b.port())
                    .replace("bind 127.0.0.1:8080", "bind 127.0.0.1:PORT");
            // Both instances up: each has answered a health check, an ordinary complete GET /.
            try (Haproxy haproxy = Haproxy.start(dir, moved)) {
                assertHealthCheck(a.nextRecord());
                assertHealthCheck(b.nextRecord());
                List<Integer> ports = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    try (RawClient c = new RawClient(haproxy.port)) {
                        ports.add(c.socket.getLocalPort());
                        RawClient.Reply reply = c.send("GET /index.html HTTP/1.0\r\n\r\n").halfClose().readAll();
                        assertEquals(200, reply.status(), haproxy.output());
                        assertEquals(Fixtures.INDEX, new String(reply.body(), StandardCharsets.UTF_8));
                    }
                }
                List<Integer> logged = new ArrayList<>();
                for (TestServer s : List.of(a, b)) {
                    int served = 0;
                    while (served < 2) { // roundrobin: two each; health checks come in between
                        AccessRecord r = s.nextRecord();
                        if (r.requestLine().equals("GET /index.html HTTP/1.0")) {
                            assertEquals(Outcome.COMPLETE, r.outcome());
                            assertEquals("127.0.0.1", r.proxyHost());
                            logged.add(r.remotePort());
                            served++;
                        } else {
                            assertHealthCheck(r);
                        }
                    }
                }
                assertEquals(ports.stream().sorted().toList(), logged.stream().sorted().toList(), "each client's own port");
            }
        }
    }

    static void assertHealthCheck(AccessRecord r) {
        assertEquals("GET / HTTP/1.0", r.requestLine(), "a health check: " + r);
        assertEquals(200, r.status(), "a health check: " + r);
    }
}
