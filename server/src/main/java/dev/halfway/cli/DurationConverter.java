package dev.halfway.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations as people write them: {@code 500ms}, {@code 2s}, {@code 1m}; a bare number is seconds. */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final int MAX_DIGITS = 9;
    private static final Pattern FORM = Pattern.compile("(\\d{1," + MAX_DIGITS + "})(ms|s|m)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration (examples: 500ms, 2s, 1m)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /**
     * {@code d} as {@link #convert} reads it back, in the largest unit that holds it exactly
     * ({@code 2s}, not {@code 2000ms}; zero is {@code 0s}). Every duration that some option value
     * reads as can be written; IllegalArgumentException for the others (negative, finer than a
     * millisecond, or too many digits in every unit that holds it).
     */
    static String format(Duration d) {
        if (d.isNegative() || d.toNanosPart() % 1_000_000 != 0) {
            throw new IllegalArgumentException(d + " is not a whole, non-negative number of milliseconds");
        }
        long ms;
        try {
            ms = d.toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(d + " is too long to write as a duration");
        }
        String text = ms == 0 ? "0s"
                : ms % 60_000 == 0 ? ms / 60_000 + "m"
                : ms % 1000 == 0 ? ms / 1000 + "s"
                : ms + "ms";
        if (text.chars().filter(Character::isDigit).count() > MAX_DIGITS) {
            throw new IllegalArgumentException(d + " is too long to write as a duration");
        }
        return text;
    }
}
