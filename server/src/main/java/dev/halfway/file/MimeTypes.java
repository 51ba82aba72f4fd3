package dev.halfway.file;

import java.util.Locale;
import java.util.Map;

/**
 * The Content-Type (RFC 1945 §10.5, RFC 9110 §8.3) of a file, chosen by its extension from a
 * fixed built-in table. Nothing is sniffed from content: the same name always gets the same type.
 * Unknown extensions get application/octet-stream (RFC 9110 §8.3: the recipient may then
 * treat it as data, never as markup).
 */
public final class MimeTypes {
    static final String DEFAULT = "application/octet-stream";

    /** Extension (lower case, no dot) to media type, as registered with IANA where one is. */
    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("html", "text/html"),
            Map.entry("htm", "text/html"),
            Map.entry("css", "text/css"),
            Map.entry("js", "text/javascript"),
            Map.entry("mjs", "text/javascript"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain"),
            Map.entry("text", "text/plain"),
            Map.entry("log", "text/plain"),
            Map.entry("md", "text/markdown"),
            Map.entry("csv", "text/csv"),
            Map.entry("xml", "application/xml"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("avif", "image/avif"),
            Map.entry("ico", "image/vnd.microsoft.icon"),
            Map.entry("bmp", "image/bmp"),
            Map.entry("pdf", "application/pdf"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("ttf", "font/ttf"),
            Map.entry("otf", "font/otf"),
            Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("ogg", "audio/ogg"),
            Map.entry("wav", "audio/wav"),
            Map.entry("zip", "application/zip"),
            Map.entry("gz", "application/gzip"),
            Map.entry("tar", "application/x-tar"));

    private MimeTypes() {
    }

    /**
     * The full Content-Type field value for {@code fileName}: the media type of its extension
     * (the part after the last ".", case-insensitive), plus "; charset=utf-8" when
     * {@link #isText(String)}. A name without an extension, or a dot file such as ".htaccess",
     * gets {@value #DEFAULT}.
     */
    public static String contentType(String fileName) {
        String type = mediaType(fileName);
        return isText(type) ? type + "; charset=utf-8" : type;
    }

    /** The bare media type for {@code fileName}, without parameters. */
    public static String mediaType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot <= 0 || dot == fileName.length() - 1) {
            return DEFAULT;
        }
        String extension = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        return BY_EXTENSION.getOrDefault(extension, DEFAULT);
    }

    /**
     * The one charset rule: a media type is text, and gets charset=utf-8, if it is text/* or a
     * textual structured type (application/json, application/xml, and any "+json"/"+xml" suffix,
     * RFC 6839). Without a charset, HTTP/1.0 clients assume ISO-8859-1 for text/* (RFC 1945
     * §3.6.1); files here are taken to be UTF-8.
     */
    public static boolean isText(String mediaType) {
        String type = mediaType.toLowerCase(Locale.ROOT);
        return type.startsWith("text/")
                || type.equals("application/json")
                || type.equals("application/xml")
                || type.endsWith("+json")
                || type.endsWith("+xml");
    }
}
