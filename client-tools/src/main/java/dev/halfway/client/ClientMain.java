package dev.halfway.client;

/** Placeholder until the client-tools issue: prints what is coming and exits 2. */
public final class ClientMain {
    private ClientMain() {}

    public static void main(String[] args) {
        System.err.println("halfway-client: not built yet (see the client-tools issue)");
        System.exit(2);
    }
}
