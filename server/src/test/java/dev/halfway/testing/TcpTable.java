package dev.halfway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The kernel's view of TCP sockets on 127.0.0.1: the state of sockets a test cannot otherwise
 * observe without reading from them, such as the server's side of a connection (has it sent its
 * FIN, does it still hold the socket open, is its send queue stalled) or whether a port still has
 * a listener. Asks {@code ss} (iproute2), which filters in the kernel over netlink; without it,
 * reads {@code /proc/net/tcp} and {@code tcp6}, which is slow when the machine holds tens of
 * thousands of TIME_WAIT sockets. Linux only, like the rest of these tests.
 */
public final class TcpTable {
    /** The TCP states, by the name {@code ss} prints and the number {@code /proc/net/tcp} prints. */
    public enum State {
        ESTABLISHED("ESTAB", 0x01), SYN_SENT("SYN-SENT", 0x02), SYN_RECV("SYN-RECV", 0x03),
        FIN_WAIT1("FIN-WAIT-1", 0x04), FIN_WAIT2("FIN-WAIT-2", 0x05), TIME_WAIT("TIME-WAIT", 0x06),
        CLOSE("UNCONN", 0x07), CLOSE_WAIT("CLOSE-WAIT", 0x08), LAST_ACK("LAST-ACK", 0x09), LISTEN("LISTEN", 0x0A),
        CLOSING("CLOSING", 0x0B), NEW_SYN_RECV("NEW-SYN-RECV", 0x0C), UNKNOWN("?", -1);

        private final String name;
        private final int code;

        State(String name, int code) {
            this.name = name;
            this.code = code;
        }

        static State named(String name) {
            for (State s : values()) {
                if (s.name.equals(name)) {
                    return s;
                }
            }
            return UNKNOWN;
        }

        static State of(int code) {
            for (State s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return UNKNOWN;
        }
    }

    /**
     * One socket: its ports, state, the bytes in its send queue not yet acknowledged by the peer
     * ({@code txQueue}), the bytes received that the application has not read ({@code rxQueue}),
     * its inode (0 once the application has closed it and the kernel alone finishes the close, and
     * while it waits in a listener's accept queue), and how many bytes it has received in all
     * ({@code -1} when not asked for: see {@link #at}).
     */
    public record Socket(int localPort, int remotePort, State state, long txQueue, long rxQueue, long inode,
                         long bytesReceived) {
        /** The application still has the socket open (it is not an orphan the kernel is closing alone). */
        public boolean heldOpen() {
            return inode != 0;
        }
    }

    private static volatile boolean noSs;

    private TcpTable() {}

    /** The socket whose local port is {@code localPort} and whose peer's port is {@code remotePort}, if the kernel lists it. */
    public static Optional<Socket> find(int localPort, int remotePort) throws IOException {
        List<Socket> found = query(List.of("-tanHe", "sport", "=", ":" + localPort, "and", "dport", "=", ":" + remotePort),
                s -> s.localPort() == localPort && s.remotePort() == remotePort);
        return found.stream().findFirst();
    }

    /** Whether something listens on 127.0.0.1 (or the wildcard address) at {@code port}: whether a connect would be accepted. */
    public static boolean listening(int port) throws IOException {
        return !query(List.of("-tlnHe", "sport", "=", ":" + port),
                s -> s.state() == State.LISTEN && s.localPort() == port).isEmpty();
    }

    /**
     * Every socket bound to {@code localPort} on 127.0.0.1, the listener and TIME_WAIT ones
     * included, with {@link Socket#bytesReceived}. Needs {@code ss}: {@code /proc/net/tcp} does
     * not count bytes.
     */
    public static List<Socket> at(int localPort) throws IOException {
        List<Socket> sockets = query(List.of("-tainHe", "sport", "=", ":" + localPort), s -> s.localPort() == localPort);
        if (noSs) {
            throw new AssertionError("counting a socket's bytes needs ss (iproute2)");
        }
        return sockets;
    }

    /** The socket {@link #find} finds, as text for a failure message. */
    public static String describe(int localPort, int remotePort) {
        try {
            return find(localPort, remotePort).map(Object::toString)
                    .orElse("no socket " + localPort + "->" + remotePort + " in the kernel's table");
        } catch (IOException e) {
            return "cannot read the kernel's table: " + e;
        }
    }

    private static List<Socket> query(List<String> ssArguments, Predicate<Socket> wanted) throws IOException {
        if (!noSs) {
            List<String> command = new ArrayList<>();
            command.add("ss");
            command.addAll(ssArguments);
            Process p;
            try {
                p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException missing) {
                noSs = true;
                return query(ssArguments, wanted);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("ss " + ssArguments + " failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            List<Socket> sockets = new ArrayList<>();
            Socket last = null;
            boolean info = ssArguments.get(0).indexOf('i') > 0; // -…i…: a tcp_info line follows each socket's line
            for (String line : out.split("\n")) {
                if (!line.isEmpty() && Character.isWhitespace(line.charAt(0))) { // -i: the socket's tcp_info, on a line of its own
                    if (last != null) {
                        last = withBytesReceived(last, line);
                    }
                    continue;
                }
                if (last != null && wanted.test(last)) {
                    sockets.add(last);
                }
                last = line.isBlank() ? null : parseSs(line);
                if (last != null && info) {
                    last = new Socket(last.localPort(), last.remotePort(), last.state(), last.txQueue(), last.rxQueue(),
                            last.inode(), 0); // ss leaves out a zero count
                }
            }
            if (last != null && wanted.test(last)) {
                sockets.add(last);
            }
            return sockets;
        }
        List<Socket> sockets = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII);
            } catch (NoSuchFileException e) {
                continue; // no IPv6 in this kernel
            }
            for (String line : lines.subList(1, lines.size())) {
                Socket s = parseProc(line);
                if (s != null && wanted.test(s)) {
                    sockets.add(s);
                }
            }
        }
        return sockets;
    }

    /** {@code ESTAB 0 0 127.0.0.1:33098 127.0.0.1:47733 ino:1772071 sk:5 ...}, or null when not a loopback (or wildcard) socket. */
    private static Socket parseSs(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 5) {
            return null;
        }
        int colon = f[3].lastIndexOf(':');
        String ip = f[3].substring(0, colon);
        if (!(ip.equals("127.0.0.1") || ip.equals("[::ffff:127.0.0.1]") || ip.equals("0.0.0.0") || ip.equals("*")
                || ip.equals("[::]"))) {
            return null;
        }
        String peer = f[4].substring(f[4].lastIndexOf(':') + 1);
        long inode = 0;
        for (int i = 5; i < f.length; i++) {
            if (f[i].startsWith("ino:")) {
                inode = Long.parseLong(f[i].substring(4));
            }
        }
        return new Socket(Integer.parseInt(f[3].substring(colon + 1)), peer.equals("*") ? 0 : Integer.parseInt(peer),
                State.named(f[0]), Long.parseLong(f[2]), Long.parseLong(f[1]), inode, -1);
    }

    private static Socket withBytesReceived(Socket s, String info) {
        for (String field : info.trim().split("\\s+")) {
            if (field.startsWith("bytes_received:")) {
                return new Socket(s.localPort(), s.remotePort(), s.state(), s.txQueue(), s.rxQueue(), s.inode(),
                        Long.parseLong(field.substring("bytes_received:".length())));
            }
        }
        return s;
    }

    /** One line of {@code /proc/net/tcp[6]}, or null when not a loopback (or wildcard) socket. */
    private static Socket parseProc(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10) {
            return null;
        }
        String ip = f[1].substring(0, f[1].indexOf(':'));
        // 127.0.0.1 is 0100007F in the kernel's byte order; ::ffff:127.0.0.1 ends with it; 0.0.0.0 and :: are all zeros.
        if (!(ip.endsWith("0100007F") || ip.chars().allMatch(c -> c == '0'))) {
            return null;
        }
        String[] queues = f[4].split(":");
        return new Socket(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16),
                Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16), State.of(Integer.parseInt(f[3], 16)),
                Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16), Long.parseLong(f[9]), -1);
    }
}
