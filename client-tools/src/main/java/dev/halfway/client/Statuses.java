package dev.halfway.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Status codes as cases write them: 200, or a whole class such as "4xx" (RFC 9110 §15). */
final class Statuses {
    private Statuses() {}

    /** Adds {@code code} ("404", "4xx") to {@code into}; anything else is an {@link IllegalArgumentException}. */
    static void add(String code, Set<Integer> into) {
        if (code.matches("[1-5]xx")) {
            int low = (code.charAt(0) - '0') * 100;
            for (int s = low; s < low + 100; s++) {
                into.add(s);
            }
        } else if (code.matches("[1-5][0-9][0-9]")) {
            into.add(Integer.parseInt(code));
        } else {
            throw new IllegalArgumentException("a status is 100..599 or a class such as \"4xx\", not " + code);
        }
    }

    /** e.g. "[200]", "[301, 302]", "[4xx, 5xx]": whole classes folded back. */
    static String text(Set<Integer> statuses) {
        List<String> parts = new ArrayList<>();
        TreeSet<Integer> left = new TreeSet<>(statuses);
        for (int low = 100; low < 600; low += 100) {
            if (left.subSet(low, low + 100).size() == 100) {
                parts.add(low / 100 + "xx");
                left.removeAll(new TreeSet<>(left.subSet(low, low + 100)));
            }
        }
        List<String> all = new ArrayList<>();
        left.forEach(s -> all.add(String.valueOf(s)));
        all.addAll(parts);
        return all.toString();
    }
}
