package dev.halfway.log;

import dev.halfway.conn.AccessRecord;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON object per line (JSON Lines), written with jackson-databind; keys are documented in the README. */
final class JsonLines implements AccessLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Lines out;

    JsonLines(Lines out) {
        this.out = out;
    }

    @Override
    public void log(AccessRecord r) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(r.startMillis()).toString());
        line.put("remote", r.remoteHost());
        line.put("port", r.remotePort());
        line.put("request", r.requestLine());
        line.put("status", r.status() == 0 ? null : r.status());
        line.put("bytes", r.bodyBytes());
        line.put("owed", r.bodyOwed() < 0 ? null : r.bodyOwed());
        line.put("headBytes", r.headBytes());
        line.put("ms", r.durationMillis());
        line.put("fin", r.fin().label());
        line.put("outcome", r.outcome().label());
        line.put("linger", r.linger().label());
        line.put("reason", r.reason());
        line.put("transport", r.transport().label());
        line.put("tls", r.tls());
        line.put("inputEnd", r.inputEnd() == null ? null : r.inputEnd().label());
        line.put("proxy", r.proxyHost());
        line.put("proxyPort", r.proxyHost() == null ? null : r.proxyPort());
        if (r.events() != null) {
            line.put("events", r.events());
        }
        try {
            out.println(JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void flush() {
        out.flush();
    }
}
