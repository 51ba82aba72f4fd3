package dev.halfway.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads byte sizes: {@code 8192}, {@code 8KiB}, {@code 1MiB} (also k/K and m/M for the binary units). */
final class SizeConverter implements ITypeConverter<Long> {
    private static final int MAX_DIGITS = 12;
    private static final Pattern FORM = Pattern.compile("(\\d{1," + MAX_DIGITS + "})\\s*(KiB|MiB|GiB|[kKmMgG])?");

    @Override
    public Long convert(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size in bytes (examples: 8192, 8KiB, 1MiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toUpperCase();
        long scale = switch (unit) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            case "G" -> 1L << 30;
            default -> 1;
        };
        try {
            return Math.multiplyExact(n, scale);
        } catch (ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is too large");
        }
    }

    /**
     * {@code bytes} as {@link #convert} reads it back, in the largest binary unit that holds it
     * exactly ({@code 1MiB}, {@code 8KiB}, {@code 1536}). Every size that some option value reads
     * as can be written; IllegalArgumentException for the others (negative, or too many digits
     * in every unit that holds it).
     */
    static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException(bytes + " is not a size in bytes");
        }
        String text = bytes == 0 ? "0"
                : bytes % (1L << 30) == 0 ? (bytes >> 30) + "GiB"
                : bytes % (1L << 20) == 0 ? (bytes >> 20) + "MiB"
                : bytes % (1L << 10) == 0 ? (bytes >> 10) + "KiB"
                : Long.toString(bytes);
        if (text.chars().filter(Character::isDigit).count() > MAX_DIGITS) {
            throw new IllegalArgumentException(bytes + " has too many digits to write as a size");
        }
        return text;
    }
}
