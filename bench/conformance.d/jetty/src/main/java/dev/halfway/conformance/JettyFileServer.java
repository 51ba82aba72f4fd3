package dev.halfway.conformance;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Jetty;

/**
 * The Jetty peer of bench/conformance: Jetty 12's core {@link ResourceHandler} over one directory,
 * with directory listings on and its default welcome files, on one plain HTTP connector. Nothing
 * else is configured: the defaults are what is compared.
 *
 * <pre>
 *   java -cp CLASSPATH dev.halfway.conformance.JettyFileServer DIR HOST PORT   serve DIR until SIGTERM
 *   java -cp CLASSPATH dev.halfway.conformance.JettyFileServer --version       print Jetty's version
 * </pre>
 */
public final class JettyFileServer {
    private JettyFileServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--version")) {
            System.out.println("jetty/" + Jetty.VERSION);
            return;
        }
        if (args.length != 3) {
            System.err.println("usage: JettyFileServer DIR HOST PORT | JettyFileServer --version");
            System.exit(2);
        }
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(args[1]);
        connector.setPort(Integer.parseInt(args[2]));
        server.addConnector(connector);
        ResourceHandler files = new ResourceHandler();
        files.setBaseResourceAsString(args[0]);
        files.setDirAllowed(true);
        server.setHandler(files);
        server.setStopAtShutdown(true); // SIGTERM stops the server (a JVM shutdown hook)
        server.start();
        server.join();
    }
}
