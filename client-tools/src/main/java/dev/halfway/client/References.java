package dev.halfway.client;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ordinary requests' answers a run compares with: one {@link Reference} per resource the
 * chosen cases use (judged as that resource: a file, a directory, a missing path) and one per
 * other request target a case is "like". Each target is fetched once, before any case runs.
 */
public final class References {
    private final Resources resources;
    private final Map<String, Reference> byResource = new LinkedHashMap<>();
    private final Map<String, Reference> byPath = new LinkedHashMap<>();

    private References(Resources resources) {
        this.resources = resources;
    }

    /**
     * Fetches what {@code cases} need, in their order.
     *
     * @param progress where "GET /path ..." goes while each is fetched (stderr), or null
     */
    public static References fetch(List<RegressCase> cases, Resources resources, TlsPlan tls, PrintStream progress) {
        References refs = new References(resources);
        Set<String> names = new LinkedHashSet<>();
        Set<String> likes = new LinkedHashSet<>();
        for (RegressCase c : cases) {
            names.addAll(c.uses());
            for (Step s : c.steps()) {
                if (s.expect().like() != null) {
                    likes.add(s.expect().like());
                }
            }
            if (c.strict() != null && c.strict().expect().like() != null) {
                likes.add(c.strict().expect().like());
            }
        }
        Map<String, Report> fetched = new LinkedHashMap<>();
        for (String name : names) {
            Resources.Resource r = resources.get(name);
            Report report = fetched.computeIfAbsent(r.path(), path -> refs.get(path, tls, progress));
            refs.byResource.put(name, Reference.judge(r.path(), report, r));
        }
        for (String path : likes) {
            Report report = fetched.computeIfAbsent(path, p -> refs.get(p, tls, progress));
            refs.byPath.put(path, Reference.judge(path, report, null));
        }
        if (progress != null) {
            progress.print("\r\u001b[K");
            progress.flush();
        }
        return refs;
    }

    private Report get(String path, TlsPlan tls, PrintStream progress) {
        if (progress != null) {
            progress.print("\rGET " + path + " (the ordinary request) ...\u001b[K");
            progress.flush();
        }
        return Reference.fetch(resources.target(), tls, path, null).report();
    }

    /** The reference of resource {@code name} (a placeholder's name); null if no case used it. */
    public Reference ofResource(String name) {
        return byResource.get(name);
    }

    /** The reference of request target {@code path}, as fetched for a case's "like"; null if none was. */
    public Reference ofPath(String path) {
        return byPath.get(path);
    }

    /** Every resource's reference (by placeholder name), in the order cases first used them. */
    public List<Map.Entry<String, Reference>> resourceList() {
        return List.copyOf(byResource.entrySet());
    }

    /**
     * Why no ordinary request could even reach the server (its connection or TLS handshake failed),
     * or null: then nothing can be checked at all.
     */
    public String unreachable() {
        List<Reference> all = new java.util.ArrayList<>(byResource.values());
        all.addAll(byPath.values());
        if (all.isEmpty()) {
            return null;
        }
        for (Reference r : all) {
            String v = r.report().verdict();
            if (!Verdict.CONNECT_FAILED.label().equals(v) && !Verdict.TLS_FAILED.label().equals(v)) {
                return null;
            }
        }
        return all.get(0).report().error();
    }
}
