package dev.halfway.conn;

/** What a {@link Lifecycle} asks its driver to do, in order. */
public sealed interface Action {

    /** Build the response for {@code answer}, report it with {@link Event.Sending}, then write it. */
    record Respond(Answer answer) implements Action {}

    /** Send our FIN: every byte of the response has been handed to the kernel. */
    record ShutOutput() implements Action {}

    /** Close the connection (a FIN, or nothing more if our output was shut already). */
    record Close() implements Action {}

    /**
     * Close with an RST (SO_LINGER 0): a response that cannot be finished is cut, so the kernel drops
     * the unsent bytes at once, and the client learns the response was cut rather than seeing a FIN
     * that looks like an ending.
     */
    record Abort() implements Action {}

    /** The connection's one access-log record; emitted exactly once, with or after the last close. */
    record Finished(AccessRecord record) implements Action {}

    Action SHUT_OUTPUT = new ShutOutput();
    Action CLOSE = new Close();
    Action ABORT = new Abort();
}
