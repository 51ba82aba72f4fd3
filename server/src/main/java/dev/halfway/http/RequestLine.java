package dev.halfway.http;

/**
 * A parsed request line (RFC 1945 §5.1): method, the request-target exactly as sent, and version.
 * {@code text} is the line as received, without its line ending, for the access log.
 */
public record RequestLine(Method method, String target, Version version, String text) {}
