package dev.halfway.client;

/**
 * One step of a regression case: {@code clients} clients run the same plan at once, and every
 * one of them must meet the expectation.
 */
public record Step(Plan plan, int clients, Expectation expect) {}
