package dev.halfway.client;

import java.util.List;

/** A named regression case: steps run one after another (e.g. 20 resets, then a normal request). */
public record RegressCase(String name, String what, List<Step> steps) {
    public RegressCase {
        steps = List.copyOf(steps);
    }
}
