package dev.halfway.client;

/**
 * One step of a regression case: {@code clients} clients run the same plan at once, and every
 * one of them must meet the expectation.
 *
 * @param sizedBy the resource ("medium", "large") its time bounds were written for at the fixture's
 *                size; on a larger file they grow in proportion. Null: fixed bounds
 */
public record Step(Plan plan, int clients, Expectation expect, String sizedBy) {
    public Step(Plan plan, int clients, Expectation expect) {
        this(plan, clients, expect, null);
    }
}
