package dev.halfway.cli;

import static dev.halfway.io.ServerConfig.DEFAULT_CACHE_BYTES;
import static dev.halfway.io.ServerConfig.DEFAULT_CACHE_ENTRIES;
import static dev.halfway.io.ServerConfig.DEFAULT_CACHE_FILE_MAX;
import static dev.halfway.io.ServerConfig.DEFAULT_DRAIN_TIMEOUT;
import static dev.halfway.io.ServerConfig.DEFAULT_HEAD_TIMEOUT;
import static dev.halfway.io.ServerConfig.DEFAULT_HOST;
import static dev.halfway.io.ServerConfig.DEFAULT_LIMITS;
import static dev.halfway.io.ServerConfig.DEFAULT_LINGER;
import static dev.halfway.io.ServerConfig.DEFAULT_LINGER_BYTES;
import static dev.halfway.io.ServerConfig.DEFAULT_MAX_CONNECTIONS;
import static dev.halfway.io.ServerConfig.DEFAULT_PORT;
import static dev.halfway.io.ServerConfig.DEFAULT_WRITE_TIMEOUT;

import dev.halfway.io.ServerConfig;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options that set a {@link ServerConfig} setting, each with the setting's component name and
 * ServerConfig's default for it, written as the option's value would be. As {@link Main}'s default
 * value provider it is where both {@code ${DEFAULT-VALUE}} in the help and the value of an option
 * left out come from, so neither can drift from ServerConfig. Options with no ServerConfig
 * default ({@code --root}, {@code --access-log}) keep theirs on their annotations; the flags
 * default to off.
 */
final class ConfigOptions implements IDefaultValueProvider {

    /** An option, the ServerConfig (or Limits) component it sets, and its default as option text. */
    record Setting(String option, String component, String defaultValue) { }

    static final List<Setting> SETTINGS = List.of(
            new Setting("--host", "host", DEFAULT_HOST),
            new Setting("--port", "port", Integer.toString(DEFAULT_PORT)),
            new Setting("--linger", "linger", DurationConverter.format(DEFAULT_LINGER)),
            new Setting("--linger-bytes", "lingerBytes", SizeConverter.format(DEFAULT_LINGER_BYTES)),
            new Setting("--head-timeout", "headTimeout", DurationConverter.format(DEFAULT_HEAD_TIMEOUT)),
            new Setting("--write-timeout", "writeTimeout", DurationConverter.format(DEFAULT_WRITE_TIMEOUT)),
            new Setting("--drain-timeout", "drainTimeout", DurationConverter.format(DEFAULT_DRAIN_TIMEOUT)),
            new Setting("--max-request-line", "requestLine", SizeConverter.format(DEFAULT_LIMITS.requestLine())),
            new Setting("--max-head", "headBytes", SizeConverter.format(DEFAULT_LIMITS.headBytes())),
            new Setting("--max-fields", "fields", Integer.toString(DEFAULT_LIMITS.fields())),
            new Setting("--max-body", "body", SizeConverter.format(DEFAULT_LIMITS.body())),
            new Setting("--max-connections", "maxConnections", Integer.toString(DEFAULT_MAX_CONNECTIONS)),
            new Setting("--cache-bytes", "cacheBytes", SizeConverter.format(DEFAULT_CACHE_BYTES)),
            new Setting("--cache-entries", "cacheEntries", Integer.toString(DEFAULT_CACHE_ENTRIES)),
            new Setting("--cache-file-max", "cacheFileMax", SizeConverter.format(DEFAULT_CACHE_FILE_MAX)),
            new Setting("--proxy-from", "proxyFrom", ServerConfig.DEFAULT_PROXY_FROM_TEXT));

    private static final Map<String, Setting> BY_OPTION =
            SETTINGS.stream().collect(Collectors.toUnmodifiableMap(Setting::option, s -> s));
    private static final Map<String, Setting> BY_COMPONENT =
            SETTINGS.stream().collect(Collectors.toUnmodifiableMap(Setting::component, s -> s));

    /** A bare identifier: not part of an option name such as {@code --linger-bytes}. */
    private static final Pattern WORD = Pattern.compile("(?<![-\\w])[a-z][A-Za-z]*(?![-\\w])");

    /** ServerConfig's default for the option, or null for picocli to take the annotation's. */
    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec option) {
            Setting s = BY_OPTION.get(option.longestName());
            return s == null ? null : s.defaultValue();
        }
        return null;
    }

    /**
     * A refusal from ServerConfig or its Limits, which name settings by component, with each
     * setting said as its option: "headTimeout must be more than 0" → "--head-timeout must be ...".
     */
    static String inOptionTerms(String message) {
        Matcher m = WORD.matcher(message);
        return m.replaceAll(r -> {
            Setting s = BY_COMPONENT.get(r.group());
            return Matcher.quoteReplacement(s == null ? r.group() : s.option());
        });
    }
}
