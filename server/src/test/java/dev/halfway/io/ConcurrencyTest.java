package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many clients at once; clients that vanish do not hurt the others, and each connection is logged once. */
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void fiftyConcurrentHalfClosingClientsAllGetCompleteResponses() throws Exception {
        Path root = Fixtures.root(dir);
        String bigSha = sha256(java.nio.file.Files.readAllBytes(root.resolve("big.bin")));
        try (TestServer server = new TestServer(root)) {
            ExecutorService pool = Executors.newFixedThreadPool(50);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    boolean big = i % 5 == 0;
                    results.add(pool.submit(() -> {
                        try (RawClient c = new RawClient(server.port())) {
                            c.send("GET /" + (big ? "big.bin" : "index.html") + " HTTP/1.0\r\n\r\n").halfClose();
                            return digestOfBody(c.socket.getInputStream());
                        }
                    }));
                }
                String indexSha = sha256(Fixtures.INDEX.getBytes());
                for (int i = 0; i < 50; i++) {
                    assertEquals(i % 5 == 0 ? bigSha : indexSha, results.get(i).get(30, TimeUnit.SECONDS), "client " + i);
                }
            } finally {
                pool.shutdownNow();
            }
            for (AccessRecord r : server.records(50)) {
                assertEquals(Outcome.COMPLETE, r.outcome());
                assertEquals(r.bodyOwed(), r.bodyBytes());
            }
        }
    }

    @Test
    void clientsThatCloseOrResetAreRecordedAndTheServerKeepsServing() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root)) {
            Map<Integer, String> kindByPort = new HashMap<>();
            for (int i = 0; i < 40; i++) {
                RawClient c = new RawClient(server.port());
                kindByPort.put(c.socket.getLocalPort(), i < 20 ? "close" : "reset");
                c.send("GET /big.bin HTTP/1.0\r\n\r\n");
                if (i < 20) {
                    c.close();
                } else {
                    c.reset();
                }
            }
            try (RawClient c = new RawClient(server.port())) {
                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                assertEquals(200, reply.status());
                assertEquals(RawClient.End.FIN, reply.end());
                kindByPort.put(c.socket.getLocalPort(), "normal");
            }
            List<AccessRecord> records = server.records(41);
            for (AccessRecord r : records) {
                String kind = kindByPort.get(r.remotePort());
                switch (kind) {
                    case "close" -> assertEquals(Outcome.RESET, r.outcome(), "a full close shows when the write fails");
                    case "reset" -> assertTrue(r.outcome() == Outcome.RESET || r.outcome() == Outcome.EMPTY,
                            "a reset before or after the request was read: " + r.outcome());
                    default -> assertEquals(Outcome.COMPLETE, r.outcome());
                }
            }
            assertEquals(41, records.size(), "one line per connection (records(41) also refuses a 42nd)");
        }
    }

    /** Reads a whole response and returns the SHA-256 of its body, streaming (no 10 MiB arrays). */
    static String digestOfBody(InputStream in) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        int matched = 0;
        boolean inBody = false;
        int n;
        while ((n = in.read(buf)) >= 0) {
            int from = 0;
            if (!inBody) {
                for (; from < n && !inBody; from++) {
                    byte b = buf[from];
                    matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
                    inBody = matched == 4;
                }
            }
            if (inBody) {
                sha.update(buf, from, n - from);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
