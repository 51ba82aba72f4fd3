package dev.halfway.client;

/** A run of request bytes, sent after a pause. A request is a list of pieces. */
public record Piece(long pauseMillis, byte[] bytes) {
    public static Piece of(byte[] bytes) {
        return new Piece(0, bytes);
    }
}
