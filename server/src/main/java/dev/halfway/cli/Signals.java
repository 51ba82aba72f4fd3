package dev.halfway.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop. A JVM shutdown hook cannot do this: the process would
 * exit 143 (or 130) however well it drained, so we take the signals ourselves and exit 0 once the
 * drain is done.
 */
final class Signals {
    private Signals() {}

    static void onTermination(Runnable stop) {
        Runnable once = new Runnable() {
            private boolean started;

            @Override
            public synchronized void run() {
                if (!started) {
                    started = true;
                    Thread t = new Thread(stop, "halfway-stop");
                    t.start();
                }
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> once.run());
        }
    }
}
