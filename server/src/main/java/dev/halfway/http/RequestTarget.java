package dev.halfway.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The request-target split into the path to resolve and the query, which a static-file server
 * ignores. Accepted forms (RFC 9112 §3.2): origin-form {@code /path?query}, and absolute-form
 * {@code http://authority/path?query}, which RFC 1945 §5.1.2 allows and RFC 9112 §3.2.2 requires
 * servers to accept; its authority is ignored (halfway has one document root). Anything else,
 * including a fragment, is refused with 400.
 *
 * @param path  the path as sent, still percent-encoded, starting with "/"
 * @param query the query without "?", or null
 */
public record RequestTarget(String path, String query) {
    private static final Pattern ABSOLUTE_FORM = Pattern.compile("(?i)http://[^/?#]+([/?].*)?");

    public static RequestTarget parse(String target) {
        String rest = target;
        if (!rest.startsWith("/")) {
            Matcher m = ABSOLUTE_FORM.matcher(rest);
            if (!m.matches()) {
                throw new HttpError(Status.BAD_REQUEST, "request-target is neither origin-form nor absolute-form");
            }
            String tail = m.group(1);
            rest = tail == null ? "/" : tail.startsWith("?") ? "/" + tail : tail;
        }
        if (rest.indexOf('#') >= 0) {
            throw new HttpError(Status.BAD_REQUEST, "fragment in the request-target");
        }
        int q = rest.indexOf('?');
        return q < 0 ? new RequestTarget(rest, null) : new RequestTarget(rest.substring(0, q), rest.substring(q + 1));
    }
}
