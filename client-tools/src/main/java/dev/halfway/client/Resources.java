package dev.halfway.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The target's resources that cases name by placeholder, so one suite runs against any server:
 * {@code ${small}}, {@code ${medium}}, {@code ${large}} (files), {@code ${dir}} and {@code ${dir/}}
 * (a directory without and with its slash), {@code ${missing}} (a path that must not exist) and
 * {@code ${host}} (the Host header's value). The defaults are the fixture names of
 * {@code --make-fixtures}, so a server of those files needs no options.
 */
public final class Resources {
    /** Files of at least this size make the slow-reader, mid-response and staged-close cases mean what they say. */
    public static final long LARGE_MIN_BYTES = 1 << 20;

    /** What a placeholder stands for, and what makes it usable. */
    public enum Kind {
        /** A file: a 200 to an ordinary GET. */
        FILE,
        /** A directory: any answer but 404 or 410. */
        DIR,
        /** A path that must not exist: a 4xx. */
        MISSING
    }

    /**
     * One placeholder's resource.
     *
     * @param name     the placeholder's name ("small", "dir/", ...)
     * @param option   the option that names it ("--small"), for messages
     * @param path     the request target, under the target's prefix
     * @param minBytes the least body an ordinary GET must return (0: any)
     * @param fixture  the fixture it must equal (its default name, not overridden), or null
     */
    public record Resource(String name, String option, String path, Kind kind, long minBytes, String fixture) {}

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z/]+)}");
    private static final Pattern PATH = Pattern.compile("[!-~]+");

    private final Target target;
    private final Map<String, Resource> byName = new LinkedHashMap<>();

    /**
     * @param small   any file ({@code --small}; null: the fixture hc-small.txt)
     * @param medium  a file of 1 MiB or more for the concurrent and delayed-read cases (null: {@code large}
     *                when that is given, else the fixture hc-1m.bin)
     * @param large   a file of 1 MiB or more ({@code --large}; null: the fixture hc-10m.bin)
     * @param dir     a directory, with or without its slash ({@code --dir}; null: the fixture hc-dir)
     */
    public Resources(Target target, String small, String medium, String large, String dir) {
        this.target = target;
        file("small", "--small", small, "hc-small.txt", 0);
        file("medium", medium == null && large != null ? "--large" : "--medium", medium != null ? medium : large, "hc-1m.bin",
                LARGE_MIN_BYTES);
        file("large", "--large", large, "hc-10m.bin", LARGE_MIN_BYTES);
        String d = dir == null ? "hc-dir" : checked("--dir", dir);
        while (d.length() > 1 && d.endsWith("/")) {
            d = d.substring(0, d.length() - 1);
        }
        byName.put("dir", new Resource("dir", "--dir", target.path(d), Kind.DIR, 0, null));
        byName.put("dir/", new Resource("dir/", "--dir", target.path(d).endsWith("/") ? target.path(d) : target.path(d) + "/",
                Kind.DIR, 0, null));
        byName.put("missing", new Resource("missing", null, target.path("hc-no-such-file"), Kind.MISSING, 0, null));
    }

    /** The fixtures' names, as served from the root of a plain {@code HOST:PORT}. */
    public static Resources fixtures(Target target) {
        return new Resources(target, null, null, null, null);
    }

    private void file(String name, String option, String given, String fixture, long minBytes) {
        String path = target.path(given == null ? fixture : checked(option, given));
        byName.put(name, new Resource(name, option, path, Kind.FILE, minBytes, given == null ? fixture : null));
    }

    private static String checked(String option, String path) {
        if (!PATH.matcher(path).matches() || path.contains("${")) {
            throw new IllegalArgumentException(option + " must be a path of printable ASCII without spaces (percent-encode the rest), not '"
                    + path + "'");
        }
        return path;
    }

    public Target target() {
        return target;
    }

    public Resource get(String name) {
        return byName.get(name);
    }

    /**
     * {@code text} with every placeholder replaced; the names of the resources it used are added to
     * {@code used}. An unknown placeholder is an {@link IllegalArgumentException}.
     */
    public String expand(String text, Set<String> used) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (name.equals("host")) {
                value = target.hostHeader();
            } else {
                Resource r = byName.get(name);
                if (r == null) {
                    throw new IllegalArgumentException("unknown placeholder ${" + name + "}; known: ${host}, "
                            + String.join(", ", byName.keySet().stream().map(k -> "${" + k + "}").toList()));
                }
                used.add(name);
                value = r.path();
            }
            m.appendReplacement(b, Matcher.quoteReplacement(value));
        }
        m.appendTail(b);
        return b.toString();
    }
}
