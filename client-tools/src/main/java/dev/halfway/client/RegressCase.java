package dev.halfway.client;

import java.util.List;
import java.util.Set;

/**
 * A named regression case: steps run one after another (e.g. 20 resets, then a normal request).
 *
 * @param uses   the {@link Resources} it asks for (by placeholder name): if one is unusable on the
 *               target, the case is skipped
 * @param strict what halfway chose where RFC 1945 and RFC 9112 allow several answers, checked on the
 *               last step apart from the case's own expectation; null for none
 */
public record RegressCase(String name, String what, List<Step> steps, Set<String> uses, Strict strict) {
    public RegressCase {
        steps = List.copyOf(steps);
        uses = Set.copyOf(uses);
    }

    public RegressCase(String name, String what, List<Step> steps) {
        this(name, what, steps, Set.of(), null);
    }

    /**
     * A check of halfway's own choice.
     *
     * @param why    the choice and the RFC text that leaves it open, e.g. "RFC 9112 §8: a server MAY answer an
     *               incomplete request with an error; halfway sends 400"
     * @param expect what the last step's exchanges must also meet
     */
    public record Strict(String why, Expectation expect) {}
}
