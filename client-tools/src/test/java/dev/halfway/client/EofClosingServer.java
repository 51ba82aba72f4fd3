package dev.halfway.client;

import java.io.IOException;

/**
 * A server that does NOT honour half-close: per connection it reads until the client's FIN,
 * records what it read, and closes without answering a single byte. Against it a half-closing
 * client can only see "no response", so every half-close regression case must FAIL.
 */
final class EofClosingServer implements AutoCloseable {
    private final RawServer server;

    private EofClosingServer(RawServer server) {
        this.server = server;
    }

    static EofClosingServer start() throws IOException {
        return new EofClosingServer(RawServer.start((socket, s) -> {
            s.record(RawServer.readUntilEof(socket));
            // return: RawServer closes the socket, a plain FIN (nothing unread, so no RST)
        }));
    }

    String target() {
        return server.target();
    }

    String url(String path) {
        return server.url(path);
    }

    int connections() {
        return server.connections();
    }

    byte[] takeReceived(long millis) throws InterruptedException {
        return server.takeReceived(millis);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
    }
}
