package dev.halfway.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;

/** One JSON object per line (JSON Lines), written with Jackson; keys are documented in the README. */
final class JsonLines implements AccessLog {
    private static final JsonFactory JSON = new JsonFactory();
    private final PrintStream out;

    JsonLines(PrintStream out) {
        this.out = out;
    }

    @Override
    public void log(AccessRecord r) {
        StringWriter text = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(text)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(r.startMillis()).toString());
            g.writeStringField("remote", r.remoteHost());
            g.writeNumberField("port", r.remotePort());
            g.writeStringField("request", r.requestLine());
            if (r.status() == 0) {
                g.writeNullField("status");
            } else {
                g.writeNumberField("status", r.status());
            }
            g.writeNumberField("bytes", r.bodyBytes());
            if (r.bodyOwed() < 0) {
                g.writeNullField("owed");
            } else {
                g.writeNumberField("owed", r.bodyOwed());
            }
            g.writeNumberField("headBytes", r.headBytes());
            g.writeNumberField("ms", r.durationMillis());
            g.writeStringField("fin", r.fin().label());
            g.writeStringField("outcome", r.outcome().label());
            g.writeStringField("linger", r.linger().label());
            g.writeStringField("reason", r.reason());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println(text);
    }
}
