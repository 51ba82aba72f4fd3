package dev.halfway.http;

/** One header field (RFC 9112 §5): its name as sent and its value without surrounding whitespace. */
public record Field(String name, String value) {}
