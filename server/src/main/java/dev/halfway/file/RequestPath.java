package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The path of an origin-form request-target (RFC 1945 §5.1.2, RFC 9110 §7.1), turned into the
 * list of names to look up under the document root.
 *
 * <p>Input is the path as received: it starts with "/", the query is already removed, and it is
 * still percent-encoded. The rule is to reject, never to clean up: anything ambiguous is a 400,
 * and a path that climbs above the root is a 403. Servers that normalise hostile paths into
 * something servable (darkhttpd, Go's http.FileServer) make the meaning of a request depend on
 * the cleaner; here every accepted path has exactly one meaning.
 *
 * <ul>
 *   <li>Raw characters must be visible ASCII (0x21–0x7E) and not "\": a URI is ASCII
 *       (RFC 3986 §2), and the path may be echoed into a Location header.
 *   <li>Each "/"-separated segment is percent-decoded on its own (RFC 3986 §2.1: "%" and two
 *       hex digits, either case), then read as UTF-8 with malformed input reported, so overlong
 *       forms such as %C0%AE are 400, not ".".
 *   <li>A decoded segment holding "/" (from %2F), "\", or a control character is 400: it would
 *       name a different path on disk than the one the client's segments describe.
 *   <li>An empty segment ("//") is 400; only the last segment may be empty (trailing slash).
 *   <li>Dot segments are resolved after decoding, so "%2e%2e" is "..": "." is dropped and ".."
 *       removes the previous segment (RFC 3986 §5.2.4 remove_dot_segments). A ".." with nothing
 *       to remove is 403, not silently clamped to the root.
 * </ul>
 */
public final class RequestPath {
    private RequestPath() {
    }

    /**
     * A request path parsed once: its names and whether it asks for a directory.
     *
     * @param encoded       the path as received (origin-form, query removed, still percent-encoded)
     * @param segments      as {@link RequestPath#segments(String)}
     * @param directoryForm as {@link RequestPath#hasTrailingSlash(String)}
     */
    public record Parsed(String encoded, List<String> segments, boolean directoryForm) {
        /**
         * One string per meaning: paths with the same key name the same thing under the root
         * ({@code /a/./b}, {@code /a/%62} and {@code /x/../a/b} are all {@code a/b}; {@code /a/} is
         * {@code a/}, the root is {@code /}). Segments hold no "/", so the key is unambiguous.
         */
        public String key() {
            String names = String.join("/", segments);
            return directoryForm ? names + "/" : names;
        }
    }

    /**
     * {@code encodedPath} decoded and checked, once.
     *
     * @throws HttpError 400 for a malformed or ambiguous path, 403 for one that climbs above "/"
     */
    public static Parsed parse(String encodedPath) {
        List<String> decoded = decodedSegments(encodedPath);
        List<String> resolved = new ArrayList<>();
        for (String segment : decoded) {
            if (segment.equals(".") || segment.isEmpty()) {
                continue;
            }
            if (segment.equals("..")) {
                if (resolved.isEmpty()) {
                    throw new HttpError(Status.FORBIDDEN, "path escapes the document root");
                }
                resolved.remove(resolved.size() - 1);
                continue;
            }
            resolved.add(segment);
        }
        // RFC 3986 §5.2.4: a last segment of "." or ".." resolves to a path ending in "/" ("/a/." is "/a/").
        String last = decoded.get(decoded.size() - 1);
        boolean directoryForm = last.isEmpty() || last.equals(".") || last.equals("..");
        return new Parsed(encodedPath, List.copyOf(resolved), directoryForm);
    }

    /**
     * The decoded, dot-resolved segments of {@code encodedPath}; empty for "/". Each segment is
     * a non-empty file name other than "." and "..", without "/", "\" or control characters.
     *
     * @throws HttpError 400 for a malformed or ambiguous path, 403 for one that climbs above "/"
     */
    public static List<String> segments(String encodedPath) {
        return parse(encodedPath).segments();
    }

    /**
     * Whether {@code encodedPath} names a directory form: it ends with "/", or its last segment is
     * "." or ".." after decoding, which RFC 3986 §5.2.4 resolves to a path ending in "/"
     * ("/a/." is "/a/"). Validates exactly as {@link #segments(String)} does.
     *
     * @throws HttpError the same errors as {@link #segments(String)}
     */
    public static boolean hasTrailingSlash(String encodedPath) {
        return parse(encodedPath).directoryForm();
    }

    /**
     * The decoded segments before dot resolution. The last one is "" when the path ends in "/";
     * "/" itself gives [""]. No other segment is empty.
     */
    private static List<String> decodedSegments(String encodedPath) {
        if (encodedPath == null || !encodedPath.startsWith("/")) {
            throw new HttpError(Status.BAD_REQUEST, "target is not origin-form");
        }
        for (int i = 0; i < encodedPath.length(); i++) {
            char c = encodedPath.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new HttpError(Status.BAD_REQUEST, "path has a character outside visible ASCII");
            }
            if (c == '\\') {
                throw new HttpError(Status.BAD_REQUEST, "path has a backslash");
            }
        }
        String[] raw = encodedPath.substring(1).split("/", -1);
        List<String> decoded = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) {
            boolean last = i == raw.length - 1;
            if (raw[i].isEmpty() && !last) {
                throw new HttpError(Status.BAD_REQUEST, "path has an empty segment");
            }
            decoded.add(decode(raw[i]));
        }
        return decoded;
    }

    /** Strict percent-decoding of one raw segment (visible ASCII, already checked) as UTF-8. */
    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return checked(raw);
        }
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '%') {
                bytes.put((byte) c);
                continue;
            }
            int high = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
            int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
            if (high < 0 || low < 0) {
                throw new HttpError(Status.BAD_REQUEST, "malformed percent-encoding");
            }
            bytes.put((byte) (high << 4 | low));
            i += 2;
        }
        bytes.flip();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = utf8.decode(bytes);
            return checked(chars.toString());
        } catch (CharacterCodingException e) {
            throw new HttpError(Status.BAD_REQUEST, "path is not valid UTF-8");
        }
    }

    /** A decoded segment must not hide a separator or a control character (RFC 3986 §7.3). */
    private static String checked(String segment) {
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '/' || c == '\\') {
                throw new HttpError(Status.BAD_REQUEST, "segment has an encoded separator");
            }
            if (Character.isISOControl(c)) {
                throw new HttpError(Status.BAD_REQUEST, "segment has a control character");
            }
        }
        return segment;
    }
}
