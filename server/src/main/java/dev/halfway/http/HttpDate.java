package dev.halfway.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
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

    private static final byte[] DAYS = "MonTueWedThuFriSatSun".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec".getBytes(StandardCharsets.US_ASCII);

    /**
     * IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. Written byte by byte: the formatter
     * made several strings per call, and a file response formats one (its Last-Modified).
     */
    public static String format(Instant instant) {
        long second = instant.getEpochSecond();
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(second, 86_400));
        int year = day.getYear();
        if (year < 0 || year > 9999) {
            return IMF_FIXDATE.format(instant); // a four-digit year or the formatter's sign and width
        }
        int time = (int) Math.floorMod(second, 86_400);
        byte[] b = new byte[29];
        int dow = day.getDayOfWeek().ordinal() * 3;
        b[0] = DAYS[dow];
        b[1] = DAYS[dow + 1];
        b[2] = DAYS[dow + 2];
        b[3] = ',';
        b[4] = ' ';
        two(b, 5, day.getDayOfMonth());
        b[7] = ' ';
        int month = (day.getMonthValue() - 1) * 3;
        b[8] = MONTHS[month];
        b[9] = MONTHS[month + 1];
        b[10] = MONTHS[month + 2];
        b[11] = ' ';
        two(b, 12, year / 100);
        two(b, 14, year % 100);
        b[16] = ' ';
        two(b, 17, time / 3600);
        b[19] = ':';
        two(b, 20, time / 60 % 60);
        b[22] = ':';
        two(b, 23, time % 60);
        b[25] = ' ';
        b[26] = 'G';
        b[27] = 'M';
        b[28] = 'T';
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static void two(byte[] b, int at, int value) {
        b[at] = (byte) ('0' + value / 10);
        b[at + 1] = (byte) ('0' + value % 10);
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
