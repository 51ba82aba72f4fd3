package dev.halfway.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tiny HTTP/1.0 file server for regress tests, on {@link RawServer}: it answers a request when
 * its head has been read (as real servers do), from a map of paths to bodies. A path ending in "/"
 * whose prefix has files is a directory (a listing); the same path without its slash is a 301.
 * Anything else is a 404. HEAD gets the head alone; an HTTP/0.9 request line the body alone.
 *
 * <p>Its {@link OnFin} says what it does when the client's FIN follows the head (seen within
 * 300 ms of it): answer anyway, as halfway does; close without a byte, as a server that takes a FIN
 * for "client gone"; or write half the body and close. Only an ordinary client (no FIN) then gets
 * the whole answer, so the regress cases, which compare with an ordinary request, can fail.
 */
final class FileServer implements AutoCloseable {
    enum OnFin { ANSWER, CLOSE, HALF_BODY }

    private final RawServer raw;

    private FileServer(RawServer raw) {
        this.raw = raw;
    }

    /** @param files request path → body, e.g. "/site/a.txt" → bytes */
    static FileServer start(Map<String, byte[]> files, OnFin onFin) throws IOException {
        Map<String, byte[]> all = new TreeMap<>(files);
        return new FileServer(RawServer.start((socket, s) -> {
            byte[] head = RawServer.readHead(socket);
            s.record(head);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String[] line = text.split("\r?\n", 2)[0].split(" ");
            if (line.length < 2) {
                return;
            }
            boolean fin = onFin != OnFin.ANSWER && finFollows(socket, head);
            if (fin && onFin == OnFin.CLOSE) {
                return;
            }
            String path = line[1].split("\\?", 2)[0];
            int status;
            byte[] body;
            String location = null;
            if (all.containsKey(path)) {
                status = 200;
                body = all.get(path);
            } else if (path.endsWith("/") && all.keySet().stream().anyMatch(k -> k.startsWith(path))) {
                status = 200;
                body = ("<ul>" + String.join("", all.keySet().stream().filter(k -> k.startsWith(path))
                        .map(k -> "<li>" + k.substring(path.length()) + "</li>").toList()) + "</ul>\n").getBytes(StandardCharsets.US_ASCII);
            } else if (all.keySet().stream().anyMatch(k -> k.startsWith(path + "/"))) {
                status = 301;
                location = path + "/";
                body = "moved\n".getBytes(StandardCharsets.US_ASCII);
            } else {
                status = 404;
                body = "not found\n".getBytes(StandardCharsets.US_ASCII);
            }
            OutputStream out = socket.getOutputStream();
            if (line.length == 2) {
                out.write(body);
                return;
            }
            out.write(("HTTP/1.0 " + status + (status == 200 ? " OK" : status == 301 ? " Moved Permanently" : " Not Found")
                    + "\r\nContent-Length: " + body.length + (location == null ? "" : "\r\nLocation: " + location) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if (!line[0].equals("HEAD")) {
                out.write(body, 0, fin && onFin == OnFin.HALF_BODY ? body.length / 2 : body.length);
            }
        }));
    }

    /** Serves the files under {@code www}, each at "/" + its relative path. */
    static FileServer start(Path www, OnFin onFin) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (var walk = Files.walk(www)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put("/" + www.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return start(files, onFin);
    }

    /** Whether the client's FIN came with the head or within 300 ms of it (an HTTP/0.9 line is read to the FIN). */
    private static boolean finFollows(Socket socket, byte[] head) throws IOException {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        if (!text.endsWith("\n\n") && !text.endsWith("\r\n\r\n")) {
            return true;
        }
        socket.setSoTimeout(300);
        try {
            InputStream in = socket.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(0);
        }
    }

    int port() {
        return raw.port();
    }

    String target() {
        return raw.target();
    }

    int connections() {
        return raw.connections();
    }

    /** The next request head the server read, waiting up to {@code millis}; null if none came. */
    String takeHead(long millis) throws InterruptedException {
        byte[] b = raw.takeReceived(millis);
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Every head received so far, in order. */
    java.util.List<String> heads() throws InterruptedException {
        java.util.List<String> heads = new java.util.ArrayList<>();
        for (String h; (h = takeHead(0)) != null; ) {
            heads.add(h);
        }
        return heads;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        raw.close();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
