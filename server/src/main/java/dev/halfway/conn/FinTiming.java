package dev.halfway.conn;

/**
 * When the client's end of input (its FIN, or a reset that read cannot tell from one) arrived,
 * relative to the exchange. This is the column that answers "read() returned -1: what did the
 * client mean?" together with {@link Outcome}.
 */
public enum FinTiming {
    /** We never saw the client's input end while the connection was open. */
    NONE("none"),
    /** Before the request head was complete. */
    BEFORE_HEAD("before-head"),
    /** After a complete request, before the first response byte was sent: the normal half-close. */
    AFTER_REQUEST("after-request"),
    /** While the response was being written. */
    DURING_RESPONSE("during-response"),
    /** After the whole response was written, while we lingered after our own FIN. */
    AFTER_RESPONSE("after-response");

    private final String label;

    FinTiming(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
