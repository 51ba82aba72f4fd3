package dev.halfway.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop. A JVM shutdown hook cannot do this: the process would
 * exit 143 (or 130) however well it drained, so we take the signals ourselves and exit 0 once the
 * drain is done. SIGHUP reopens the access log file.
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

    /**
     * SIGHUP runs {@code reopen}, on a thread of its own (the JVM starts one for each signal it
     * hands to Java). Installed whatever the options, so that SIGHUP means one thing: the JVM's
     * own action for it is to exit (status 129), and a logrotate script that signals a server
     * logging to stdout would stop it. The price: started from a terminal, the server no longer
     * exits when the terminal closes; SIGTERM and Ctrl-C stop it. (A process started under nohup
     * inherits SIGHUP ignored, and the JVM leaves it so: no handler, no reopen.)
     */
    static void onHangup(Runnable reopen) {
        Signal.handle(new Signal("HUP"), s -> reopen.run());
    }
}
