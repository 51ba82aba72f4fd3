package dev.halfway.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The server {@code regress} checks: where to connect, whether to speak TLS, and the path prefix
 * every resource name is joined to. Written {@code http://HOST[:PORT][/prefix]},
 * {@code https://HOST[:PORT][/prefix]} or {@code HOST:PORT} ({@code [::1]:PORT} for IPv6).
 *
 * @param prefix the URL's path without its trailing slash ("" for none), e.g. "/site"
 * @param https  true when written {@code https://}: the cases run over TLS
 */
public record Target(String host, int port, String prefix, boolean https) {

    /** Parses {@code text}; anything else is an {@link IllegalArgumentException} saying what is expected. */
    public static Target parse(String text) {
        String bad = "--target must be http://HOST:PORT[/prefix], https://HOST:PORT[/prefix] or HOST:PORT, not '" + text + "'";
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(bad);
            }
            boolean https = "https".equalsIgnoreCase(uri.getScheme());
            if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException(bad);
            }
            int port = uri.getPort() < 0 ? (https ? 443 : 80) : uri.getPort();
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(bad);
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return new Target(uri.getHost().replace("[", "").replace("]", ""), port, path, https);
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || text.contains("/")) {
            throw new IllegalArgumentException(bad);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") != host.endsWith("]") || (!host.startsWith("[") && host.contains(":"))) {
            throw new IllegalArgumentException(bad);
        }
        host = host.replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(bad);
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException(bad);
        }
        return new Target(host, port, "", false);
    }

    /**
     * The request target for {@code name}, joined to the prefix: "hc-small.txt" and "/hc-small.txt"
     * under "/site" are both "/site/hc-small.txt"; a trailing slash is kept.
     */
    public String path(String name) {
        String tail = name.startsWith("/") ? name : "/" + name;
        return prefix + tail;
    }

    /** The Host header's value (RFC 9110 §7.2): the host, bracketed if IPv6, with the port unless it is the scheme's default. */
    public String hostHeader() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return port == (https ? 443 : 80) ? h : h + ":" + port;
    }
}
