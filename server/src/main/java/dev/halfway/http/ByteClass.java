package dev.halfway.http;

/**
 * The one byte-class table of the parser: each octet's classes as bits, from the ABNF of
 * RFC 9110 §5.6.2 (tchar), RFC 5234 Appendix B.1 (VCHAR, CTL) and RFC 9110 §5.5 (obs-text).
 */
final class ByteClass {
    /** tchar: may appear in a token (method, field name). */
    static final int TOKEN = 1;
    /** VCHAR, 0x21-0x7E: may appear in a request-target. */
    static final int VISIBLE = 2;
    /** field-vchar / SP / HTAB: may appear in a field value (VCHAR, obs-text, SP, HTAB). */
    static final int FIELD_VALUE = 4;
    /** SP and HTAB: optional whitespace around a field value (RFC 9110 §5.6.3). */
    static final int WHITESPACE = 8;

    private static final byte[] TABLE = new byte[256];

    static {
        for (int b = 0x21; b <= 0x7E; b++) {
            TABLE[b] |= VISIBLE | FIELD_VALUE;
        }
        for (int b = 0x80; b <= 0xFF; b++) {
            TABLE[b] |= FIELD_VALUE;
        }
        TABLE[' '] |= FIELD_VALUE | WHITESPACE;
        TABLE['\t'] |= FIELD_VALUE | WHITESPACE;
        String tchar = "!#$%&'*+-.^_`|~";
        for (int i = 0; i < tchar.length(); i++) {
            TABLE[tchar.charAt(i)] |= TOKEN;
        }
        for (int b = '0'; b <= '9'; b++) {
            TABLE[b] |= TOKEN;
        }
        for (int b = 'A'; b <= 'Z'; b++) {
            TABLE[b] |= TOKEN;
            TABLE[b + 32] |= TOKEN;
        }
    }

    private ByteClass() {}

    static boolean is(int octet, int classes) {
        return (TABLE[octet & 0xFF] & classes) != 0;
    }

    /** True when every octet of {@code line[from, to)} is in {@code classes}; false for an empty range. */
    static boolean all(byte[] line, int from, int to, int classes) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if ((TABLE[line[i] & 0xFF] & classes) == 0) {
                return false;
            }
        }
        return true;
    }
}
