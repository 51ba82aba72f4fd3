package dev.halfway.conn;

import dev.halfway.http.Request;
import dev.halfway.http.Status;
import dev.halfway.http.Version;

/** What the connection owes the client once the head phase is over. */
public sealed interface Answer {

    /** A complete request: serve it (the static-file semantics decide the status). */
    record Serve(Request request) implements Answer {}

    /**
     * A refusal with a fixed error page: a malformed request, a broken limit, or a head that did
     * not arrive in time. {@code version} is the form of the answer: HTTP/0.9 (a Simple-Response,
     * the body alone) only for a well-formed Simple-Request, otherwise a full HTTP/1.0 response.
     */
    record Refuse(Status status, Version version, String reason, Outcome outcome) implements Answer {}
}
