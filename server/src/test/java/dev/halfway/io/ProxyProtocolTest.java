package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.proxy.CidrList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --proxy-protocol} on the wire without a proxy in front: raw clients that send a header
 * (v1, v2 with the request in the same segment, v2 LOCAL), a stalled one, and a peer that may not
 * send one at all.
 */
class ProxyProtocolTest {
    @TempDir
    Path dir;

    TestServer server(CidrList from) throws Exception {
        return new TestServer(Fixtures.root(dir), c -> c.proxyProtocol(true, from).headTimeout(Duration.ofMillis(500)));
    }

    @Test
    void aV1HeaderAndTheRequestInOneWrite() throws Exception {
        try (TestServer s = server(CidrList.LOOPBACK); RawClient c = new RawClient(s.port())) {
            RawClient.Reply reply = c.send("PROXY TCP4 198.51.100.9 192.0.2.1 51234 443\r\nGET /small.txt HTTP/1.0\r\n\r\n")
                    .halfClose().readAll();
            assertEquals(200, reply.status());
            AccessRecord r = s.nextRecord();
            assertEquals("198.51.100.9", r.remoteHost());
            assertEquals(51234, r.remotePort());
            assertEquals("127.0.0.1", r.proxyHost());
            assertEquals(c.socket.getLocalPort(), r.proxyPort());
        }
    }

    @Test
    void aV2LocalHeaderKeepsThePeersAddress() throws Exception {
        byte[] local = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a" + "20" + "00" + "0000");
        try (TestServer s = server(CidrList.LOOPBACK); RawClient c = new RawClient(s.port())) {
            c.send(local);
            assertEquals(200, c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll().status());
            AccessRecord r = s.nextRecord();
            assertEquals("127.0.0.1", r.remoteHost());
            assertEquals(c.socket.getLocalPort(), r.remotePort());
            assertEquals(null, r.proxyHost());
        }
    }

    @Test
    void aHeaderThatStallsIsClosedAtTheHeadTimeoutUnanswered() throws Exception {
        try (TestServer s = server(CidrList.LOOPBACK); RawClient c = new RawClient(s.port())) {
            RawClient.Reply reply = c.send("PROXY TCP4 198.51.").readAll();
            assertEquals(0, reply.bytes().length);
            AccessRecord r = s.nextRecord();
            assertEquals(Outcome.TIMEOUT, r.outcome());
            assertEquals("PROXY header did not arrive in time", r.reason());
        }
    }

    @Test
    void aPeerOutsideProxyFromIsRefusedWhateverItSends() throws Exception {
        try (TestServer s = server(CidrList.parse("10.0.0.0/8")); RawClient c = new RawClient(s.port())) {
            RawClient.Reply reply = c.send("PROXY TCP4 198.51.100.9 192.0.2.1 51234 443\r\nGET /small.txt HTTP/1.0\r\n\r\n")
                    .readAll();
            assertEquals(0, reply.bytes().length, "never served as if the header were true");
            AccessRecord r = s.nextRecord();
            assertEquals(Outcome.BAD_REQUEST, r.outcome());
            assertEquals("PROXY header expected from a peer not in --proxy-from", r.reason());
            assertEquals("127.0.0.1", r.remoteHost(), "the peer, not the address it claimed");
        }
    }

    @Test
    void theInputEndingInsideTheHeaderIsLogged() throws Exception {
        try (TestServer s = server(CidrList.LOOPBACK); RawClient c = new RawClient(s.port())) {
            c.send("PROXY TCP6 ::1 ::1 1").halfClose().readAll();
            AccessRecord r = s.nextRecord();
            assertEquals(Outcome.BAD_REQUEST, r.outcome());
            assertTrue(r.reason().contains("the input ended inside the PROXY header"), r.reason());
        }
    }
}
