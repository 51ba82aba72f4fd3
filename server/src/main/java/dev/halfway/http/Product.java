package dev.halfway.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The product token sent in {@code Server} (RFC 1945 §10.14): {@code halfway/<version>}. */
public final class Product {
    public static final String VERSION = readVersion();
    public static final String TOKEN = "halfway/" + VERSION;

    private Product() {}

    private static String readVersion() {
        try (InputStream in = Product.class.getResourceAsStream("/halfway.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
