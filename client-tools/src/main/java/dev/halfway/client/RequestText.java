package dev.halfway.client;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds the bytes of a request from a URL, as curl would for HTTP/1.0: request line, Host,
 * User-Agent, the caller's fields, Content-Length when there is a body, the empty line, the body.
 */
final class RequestText {
    private RequestText() {}

    /** The host, port and request bytes for {@code url}; {@code tls} for an https:// URL. */
    record Target(String host, int port, byte[] bytes, boolean tls) {}

    static Target build(String url, String method, List<String> fields, byte[] body, boolean http11) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        if (!(tls || "http".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("only http:// and https://host[:port]/path URLs are supported: " + url);
        }
        int port = uri.getPort() < 0 ? (tls ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        String host = uri.getHost();
        String hostField = (host.contains(":") ? "[" + host + "]" : host) + (uri.getPort() < 0 ? "" : ":" + port);
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(target).append(http11 ? " HTTP/1.1" : " HTTP/1.0").append("\r\n");
        head.append("Host: ").append(hostField).append("\r\n");
        head.append("User-Agent: ").append(ClientVersion.TOKEN).append("\r\n");
        for (String f : fields) {
            if (f.indexOf(':') <= 0 || f.indexOf('\r') >= 0 || f.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a header must look like 'Name: value': " + f);
            }
            head.append(f).append("\r\n");
        }
        if (http11) {
            head.append("Connection: close\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.writeBytes(body);
        }
        return new Target(host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port, out.toByteArray(), tls);
    }
}
