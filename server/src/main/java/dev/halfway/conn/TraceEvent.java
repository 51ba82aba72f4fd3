package dev.halfway.conn;

/** One moment in a connection's life: milliseconds since accept, what happened, and its detail. */
public record TraceEvent(double ms, String event, String detail) {}
