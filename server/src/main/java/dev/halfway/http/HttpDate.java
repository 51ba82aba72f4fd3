package dev.halfway.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * HTTP-date (RFC 1945 §3.3, RFC 9110 §5.6.7): sent as IMF-fixdate; all three historic forms are
 * accepted on input. An unparseable date is not an error: the field is ignored (RFC 9110 §13.1.3).
 */
public final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC_850 =
            DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);

    private static volatile CachedSecond cached = new CachedSecond(-1, "", new byte[0]);

    /** A second, its HTTP-date, and the date's bytes (never modified: callers copy them). */
    private record CachedSecond(long epochSecond, String text, byte[] ascii) {}

    private HttpDate() {}

    public static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    /** The current time as an HTTP-date; formatted at most once a second. */
    public static String now() {
        return current().text();
    }

    /**
     * The current time as an HTTP-date in ISO-8859-1 bytes (an IMF-fixdate is always 29 of them),
     * shared for the second: the caller copies them and must not change the array.
     */
    static byte[] nowAscii() {
        return current().ascii();
    }

    private static CachedSecond current() {
        long second = System.currentTimeMillis() / 1000;
        CachedSecond c = cached;
        if (c.epochSecond() != second) {
            String text = format(Instant.ofEpochSecond(second));
            c = new CachedSecond(second, text, text.getBytes(StandardCharsets.ISO_8859_1));
            cached = c;
        }
        return c;
    }

    /** The instant an HTTP-date names, or null when it is not one. */
    public static Instant parse(String text) {
        if (text == null) {
            return null;
        }
        for (DateTimeFormatter f : new DateTimeFormatter[] {IMF_FIXDATE, RFC_850, ASCTIME}) {
            try {
                if (f == RFC_850) {
                    // Two-digit years: RFC 9110 §5.6.7 puts them within 50 years of now.
                    LocalDateTime t = LocalDateTime.parse(text, f);
                    ZonedDateTime z = t.atZone(ZoneOffset.UTC);
                    if (z.getYear() > ZonedDateTime.now(ZoneOffset.UTC).getYear() + 50) {
                        z = z.minusYears(100);
                    }
                    return z.toInstant();
                }
                return ZonedDateTime.parse(text, f).toInstant();
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return null;
    }
}
