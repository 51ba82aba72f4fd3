package dev.halfway.log;

/** The values of {@code --access-log}. */
public enum LogFormat {
    CLF, JSON, OFF
}
