package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The HTML index of a directory. Every file name is untrusted text: it is HTML-escaped wherever
 * it is shown and percent-encoded (RFC 3986 §2.1, all bytes of its UTF-8 form outside
 * "unreserved", §2.3) wherever it is a link, so no name can inject markup, close an attribute,
 * or be read as a scheme ("a:b") or a fragment ("a#b").
 */
public final class DirectoryListing {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Directories first, then by name (String order: stable and locale-independent). */
    static final Comparator<Entry> ORDER = Comparator.comparing((Entry e) -> !e.directory())
            .thenComparing(Entry::name);

    /**
     * One name in a directory. {@code directory} is true for a directory (after following a
     * link); {@code size} is meaningful only for other entries.
     */
    public record Entry(String name, boolean directory, long size, FileTime lastModified) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(lastModified, "lastModified");
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
                throw new IllegalArgumentException("not a file name: " + name);
            }
        }
    }

    private DirectoryListing() {
    }

    /**
     * The entries of {@code dir} in {@link #ORDER}. Links are followed for type and size; an
     * entry whose attributes cannot be read (dangling link, loop, vanished meanwhile) is left
     * out, nothing else is. Nothing is opened.
     *
     * @throws HttpError 403 if the directory is not readable, 404 if it is not (or no longer) a
     *                   directory, 500 for another I/O failure
     */
    public static List<Entry> read(Path dir) {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path child : stream) {
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(child, BasicFileAttributes.class);
                } catch (IOException e) {
                    continue;
                }
                entries.add(new Entry(child.getFileName().toString(), attributes.isDirectory(),
                        attributes.size(), attributes.lastModifiedTime()));
            }
        } catch (DirectoryIteratorException e) {
            throw failure(e.getCause());
        } catch (IOException e) {
            throw failure(e);
        }
        entries.sort(ORDER);
        return List.copyOf(entries);
    }

    private static HttpError failure(IOException e) {
        if (e instanceof AccessDeniedException) {
            return new HttpError(Status.FORBIDDEN, "directory is not readable");
        }
        if (e instanceof FileSystemException) {
            return new HttpError(Status.NOT_FOUND, "no such directory");
        }
        return new HttpError(Status.INTERNAL_SERVER_ERROR, "directory listing failed");
    }

    /**
     * The listing page for the directory at {@code encodedRequestPath} (a directory-form path as
     * accepted by {@link RequestPath}). Links are relative to that path, which ends in "/" (or
     * "/." – RFC 3986 §5.2.3 merges both the same way); "../" is offered unless at the root.
     * Entries are shown in the given order.
     *
     * @throws HttpError if the path is not one RequestPath accepts
     */
    public static String html(String encodedRequestPath, List<Entry> entries) {
        List<String> segments = RequestPath.segments(encodedRequestPath);
        String shown = escape(segments.isEmpty() ? "/" : "/" + String.join("/", segments) + "/");

        StringBuilder page = new StringBuilder(512 + entries.size() * 160);
        page.append("<!DOCTYPE html>\n")
                .append("<html>\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>Index of ").append(shown).append("</title>\n")
                .append("</head>\n<body>\n")
                .append("<h1>Index of ").append(shown).append("</h1>\n")
                .append("<table>\n")
                .append("<tr><th>Name</th><th>Size</th><th>Last modified</th></tr>\n");
        if (!segments.isEmpty()) {
            page.append("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
        }
        for (Entry entry : entries) {
            String slash = entry.directory() ? "/" : "";
            page.append("<tr><td><a href=\"").append(encode(entry.name())).append(slash).append("\">")
                    .append(escape(entry.name())).append(slash).append("</a></td>")
                    .append("<td>").append(entry.directory() ? "-" : Long.toString(entry.size())).append("</td>")
                    .append("<td>").append(TIME.format(entry.lastModified().toInstant())).append("</td></tr>\n");
        }
        page.append("</table>\n</body>\n</html>\n");
        return page.toString();
    }

    /** HTML-escapes text for element content and double- or single-quoted attributes. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Percent-encodes every UTF-8 byte of {@code name} outside RFC 3986 §2.3 unreserved. */
    static String encode(String name) {
        StringBuilder out = new StringBuilder(name.length() * 3);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }
}
