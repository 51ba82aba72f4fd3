package dev.halfway.http;

/**
 * The one error type of the request path: it carries the status to answer with and a short
 * reason for the access log. The reason is fixed text chosen by the code that throws; it never
 * contains request bytes, and it never reaches the client (error bodies are fixed per status).
 */
public final class HttpError extends RuntimeException {
    private final Status status;

    public HttpError(Status status, String reason) {
        super(reason, null, false, false);
        if (!status.isError()) {
            throw new IllegalArgumentException("not an error status: " + status);
        }
        this.status = status;
    }

    public Status status() {
        return status;
    }

    public String reason() {
        return getMessage();
    }
}
