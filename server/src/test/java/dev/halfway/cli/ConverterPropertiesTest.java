package dev.halfway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * {@link DurationConverter#format} and {@link SizeConverter#format} write what the converters
 * read back as the same value (that is how the help's defaults become the parsed ones): every
 * value some option text reads as can be written, in no more digits than that text, and a value
 * that cannot be written is refused rather than written as something else.
 */
class ConverterPropertiesTest {
    private final DurationConverter durations = new DurationConverter();
    private final SizeConverter sizes = new SizeConverter();

    @Property
    void everyDurationAnOptionCanGiveIsWrittenBackToItself(@ForAll("durationTexts") String text) {
        Duration d = durations.convert(text);
        String written = DurationConverter.format(d);
        assertEquals(d, durations.convert(written), () -> text + " -> " + written);
        assertTrue(digits(written) <= digits(text), () -> text + " -> " + written);
    }

    @Property
    void anyDurationIsWrittenBackToItselfOrRefused(@ForAll @LongRange(min = -1000, max = Long.MAX_VALUE) long millis) {
        Duration d = Duration.ofMillis(millis);
        String written;
        try {
            written = DurationConverter.format(d);
        } catch (IllegalArgumentException refused) {
            assertTrue(millis < 0 || millis > 999_999_999, () -> d + " refused");
            return;
        }
        assertEquals(d, durations.convert(written), written);
    }

    @Property
    void everySizeAnOptionCanGiveIsWrittenBackToItself(@ForAll("sizeTexts") String text) {
        long size;
        try {
            size = sizes.convert(text);
        } catch (picocli.CommandLine.TypeConversionException tooLarge) {
            return; // more than a long: no value to write
        }
        String written = SizeConverter.format(size);
        assertEquals(size, sizes.convert(written), () -> text + " -> " + written);
        assertTrue(digits(written) <= digits(text), () -> text + " -> " + written);
    }

    @Property
    void anySizeIsWrittenBackToItselfOrRefused(@ForAll long size) {
        String written;
        try {
            written = SizeConverter.format(size);
        } catch (IllegalArgumentException refused) {
            assertTrue(size < 0 || size > 999_999_999_999L, () -> size + " refused");
            return;
        }
        assertEquals(size, sizes.convert(written), written);
    }

    @Example
    void eachValueIsWrittenInTheLargestUnitThatHoldsIt() {
        assertEquals("0s", DurationConverter.format(Duration.ZERO));
        assertEquals("500ms", DurationConverter.format(Duration.ofMillis(500)));
        assertEquals("1500ms", DurationConverter.format(Duration.ofMillis(1500)));
        assertEquals("2s", DurationConverter.format(Duration.ofSeconds(2)));
        assertEquals("90s", DurationConverter.format(Duration.ofSeconds(90)));
        assertEquals("1m", DurationConverter.format(Duration.ofSeconds(60)));
        assertEquals("0", SizeConverter.format(0));
        assertEquals("1536", SizeConverter.format(1536));
        assertEquals("8KiB", SizeConverter.format(8192));
        assertEquals("1MiB", SizeConverter.format(1 << 20));
        assertEquals("3GiB", SizeConverter.format(3L << 30));
    }

    @Example
    void valuesNoOptionCanGiveAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DurationConverter.format(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> DurationConverter.format(Duration.ofNanos(1_500_000)));
        assertThrows(IllegalArgumentException.class, () -> DurationConverter.format(Duration.ofMillis(1_000_000_001)));
        assertThrows(IllegalArgumentException.class, () -> DurationConverter.format(Duration.ofSeconds(Long.MAX_VALUE)));
        assertThrows(IllegalArgumentException.class, () -> SizeConverter.format(-1));
        assertThrows(IllegalArgumentException.class, () -> SizeConverter.format(Long.MAX_VALUE));
    }

    @Provide
    Arbitrary<String> durationTexts() {
        Arbitrary<Long> n = Arbitraries.oneOf(Arbitraries.longs().between(0, 999_999_999),
                Arbitraries.longs().between(0, 1000), Arbitraries.of(59L, 60L, 120L, 1000L, 60_000L, 999_960L));
        return n.flatMap(v -> Arbitraries.of("", "ms", "s", "m").map(unit -> v + unit));
    }

    @Provide
    Arbitrary<String> sizeTexts() {
        Arbitrary<Long> n = Arbitraries.oneOf(Arbitraries.longs().between(0, 999_999_999_999L),
                Arbitraries.longs().between(0, 4096), Arbitraries.of(1023L, 1024L, 1536L, 1L << 20, 1L << 30));
        return n.flatMap(v -> Arbitraries.of("", "KiB", "MiB", "GiB", "k", "M").map(unit -> v + unit));
    }

    private static long digits(String text) {
        return text.chars().filter(Character::isDigit).count();
    }
}
