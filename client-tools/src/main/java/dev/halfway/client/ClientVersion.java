package dev.halfway.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code halfway-client/<version>}, for {@code --version} and the User-Agent. */
final class ClientVersion implements CommandLine.IVersionProvider {
    static final String TOKEN = "halfway-client/" + read();

    private static String read() {
        try (InputStream in = ClientVersion.class.getResourceAsStream("/halfway-client.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {TOKEN};
    }
}
