package dev.halfway.conn;

import dev.halfway.http.Status;

/**
 * The shape of the response being sent, as far as the connection's life and its log need it.
 *
 * @param status    the status the response stands for (also for a 0.9 response, which has no status line)
 * @param headBytes bytes of the encoded head (0 for a Simple-Response)
 * @param owed      body bytes the response promises
 * @param reason    why an error response was chosen (fixed text, for the log), or null
 */
public record Reply(Status status, long headBytes, long owed, String reason) {}
