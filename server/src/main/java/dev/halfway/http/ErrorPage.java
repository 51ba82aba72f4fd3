package dev.halfway.http;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The fixed body sent with each error status. Built once per status; it never contains request
 * bytes, so an error page can never reflect input back to the client (as Go's serve loop).
 */
public final class ErrorPage {
    public static final String CONTENT_TYPE = "text/html; charset=utf-8";
    private static final Map<Status, byte[]> PAGES = new EnumMap<>(Status.class);

    static {
        for (Status s : Status.values()) {
            if (s.isError()) {
                String title = s.code() + " " + s.reasonPhrase();
                String page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title
                        + "</title></head>\n<body><h1>" + title + "</h1>\n<p>" + explanation(s)
                        + "</p>\n<hr><p><a href=\"/\">" + Product.TOKEN + "</a></p></body></html>\n";
                PAGES.put(s, page.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private ErrorPage() {}

    /** The page for {@code status}; a copy, so callers may hand it to I/O. */
    public static byte[] body(Status status) {
        byte[] page = PAGES.get(status);
        if (page == null) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        return page.clone();
    }

    private static String explanation(Status s) {
        return switch (s) {
            case BAD_REQUEST -> "The request could not be understood.";
            case FORBIDDEN -> "You may not read this resource.";
            case NOT_FOUND -> "Nothing is served at this address.";
            case METHOD_NOT_ALLOWED -> "Only GET and HEAD are served here.";
            case REQUEST_TIMEOUT -> "The request did not arrive in time.";
            case LENGTH_REQUIRED -> "A request with a body needs a Content-Length.";
            case CONTENT_TOO_LARGE -> "The request body is larger than this server accepts.";
            case URI_TOO_LONG -> "The request line is longer than this server accepts.";
            case FIELDS_TOO_LARGE -> "The request head is larger than this server accepts.";
            case NOT_IMPLEMENTED -> "The server does not implement this request.";
            case SERVICE_UNAVAILABLE -> "The server is shutting down or full; try again.";
            case VERSION_NOT_SUPPORTED -> "This server speaks HTTP/1.0 and HTTP/1.1 requests only.";
            default -> "The server could not answer.";
        };
    }
}
