package dev.halfway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** {@link HttpDate#format} writes what the pattern {@code EEE, dd MMM yyyy HH:mm:ss 'GMT'} writes, and reads back. */
class HttpDateTest {
    private static final DateTimeFormatter PATTERN =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    @Test
    void knownDates() {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.format(Instant.ofEpochSecond(784111777)));
        assertEquals("Thu, 01 Jan 1970 00:00:00 GMT", HttpDate.format(Instant.EPOCH));
        assertEquals("Wed, 31 Dec 1969 23:59:59 GMT", HttpDate.format(Instant.ofEpochSecond(-1)));
        assertEquals("Tue, 29 Feb 2000 12:00:00 GMT", HttpDate.format(Instant.parse("2000-02-29T12:00:00.999Z")));
        assertEquals("Mon, 01 Jan 0001 00:00:00 GMT", HttpDate.format(Instant.parse("0001-01-01T00:00:00Z")));
        assertEquals("Fri, 31 Dec 9999 23:59:59 GMT", HttpDate.format(Instant.parse("9999-12-31T23:59:59Z")));
    }

    @Test
    void yearsBeyondFourDigitsAreTheFormattersToo() {
        for (Instant i : new Instant[] {Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-06-01T00:00:00Z")}) {
            assertEquals(PATTERN.format(i), HttpDate.format(i));
        }
    }

    @Property(tries = 2000)
    void sameAsThePattern(@ForAll @LongRange(min = -62_135_596_800L, max = 253_402_300_799L) long second,
                          @ForAll @LongRange(min = 0, max = 999_999_999) long nanos) {
        Instant instant = Instant.ofEpochSecond(second, nanos);
        String text = HttpDate.format(instant);
        assertEquals(PATTERN.format(instant), text);
        if (second >= 0) {
            assertEquals(Instant.ofEpochSecond(second), HttpDate.parse(text));
        }
    }
}
