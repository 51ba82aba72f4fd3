package dev.halfway.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A tiny loopback TLS server for tests, on {@link RawServer}'s accept loop and threads. Each
 * connection gets a JDK {@link SSLEngine} in server mode over the accepted socket, driven here
 * (not by the client code under test), so a handler can end its side exactly as a test needs
 * (close_notify then FIN, a bare FIN, an RST) and learn exactly how the client's input ended
 * (close_notify, a bare FIN, a reset). The certificate is self-signed, made by Bouncy Castle
 * when the class loads, for 127.0.0.1 and localhost (or, in {@link #MISNAMED}, for another name).
 */
final class TlsServer implements AutoCloseable {

    /** How the client's input ended, as the server saw it. */
    enum ClientEnd { CLOSE_NOTIFY, FIN, RST }

    /** What to do with one connection after its handshake. */
    @FunctionalInterface
    interface Handler {
        void handle(Conn conn) throws Exception;
    }

    /** A key and its self-signed certificate. */
    record Identity(PrivateKey key, X509Certificate certificate) {
        /** A trust manager that trusts exactly this certificate (with the JDK's hostname check still on). */
        X509TrustManager trust() throws GeneralSecurityException, IOException {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("test", certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return (X509TrustManager) factory.getTrustManagers()[0];
        }
    }

    /** For 127.0.0.1 and localhost. */
    static final Identity LOOPBACK = identity("127.0.0.1", "localhost");
    /** For another name only: a certificate that does not name the loopback address. */
    static final Identity MISNAMED = identity(null, "elsewhere.example");

    /** The ALPN protocols the server accepts, in its order of preference (halfway's). */
    static final List<String> ALPN = List.of("http/1.1", "http/1.0");

    private final RawServer raw;
    private final BlockingQueue<ClientEnd> clientEnds = new LinkedBlockingQueue<>();
    private final AtomicInteger fullHandshakes = new AtomicInteger();
    private final AtomicInteger failedHandshakes = new AtomicInteger();

    private TlsServer(List<String> protocols, Identity identity, List<String> alpn, Handler handler) throws IOException {
        SSLContext context = context(identity);
        raw = RawServer.start((socket, s) -> {
            Conn conn = new Conn(socket, context, protocols, alpn);
            try {
                conn.handshake();
            } catch (SSLException | SocketException e) {
                failedHandshakes.incrementAndGet();
                conn.sendAlert();
                return;
            }
            handler.handle(conn);
        });
    }

    /** A server speaking {@code protocols}, with {@link #LOOPBACK}'s certificate and halfway's ALPN. */
    static TlsServer start(List<String> protocols, Handler handler) throws IOException {
        return new TlsServer(protocols, LOOPBACK, ALPN, handler);
    }

    static TlsServer start(List<String> protocols, Identity identity, List<String> alpn, Handler handler) throws IOException {
        return new TlsServer(protocols, identity, alpn, handler);
    }

    int port() {
        return raw.port();
    }

    String target() {
        return raw.target();
    }

    String url(String path) {
        return "https://" + target() + path;
    }

    int connections() {
        return raw.connections();
    }

    /** Handshakes in which the server chose its certificate: full ones, not resumptions. */
    int fullHandshakes() {
        return fullHandshakes.get();
    }

    int failedHandshakes() {
        return failedHandshakes.get();
    }

    /** The next request bytes a handler recorded, waiting up to {@code millis}; null if none came. */
    byte[] takeReceived(long millis) throws InterruptedException {
        return raw.takeReceived(millis);
    }

    /** How the next connection's client input ended (recorded by {@link Conn#readToEnd}), waiting up to {@code millis}. */
    ClientEnd takeClientEnd(long millis) throws InterruptedException {
        return clientEnds.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Handler exceptions (a handler that fails is a test that fails). */
    List<Throwable> failures() {
        return raw.failures();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        raw.close();
    }

    private SSLContext context(Identity identity) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("test", identity.key(), new char[0], new X509Certificate[] {identity.certificate()});
            KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
            factory.init(store, new char[0]);
            X509ExtendedKeyManager keys = new Counting((X509ExtendedKeyManager) factory.getKeyManagers()[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new javax.net.ssl.KeyManager[] {keys}, null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One connection's TLS, server side. */
    final class Conn {
        private final Socket socket;
        private final SSLEngine engine;
        private ByteBuffer netIn;
        private ByteBuffer appIn;
        private ByteBuffer netOut;
        private ClientEnd clientEnd;

        Conn(Socket socket, SSLContext context, List<String> protocols, List<String> alpn) {
            this.socket = socket;
            this.engine = context.createSSLEngine();
            engine.setUseClientMode(false);
            SSLParameters p = engine.getSSLParameters();
            p.setProtocols(protocols.toArray(String[]::new));
            p.setApplicationProtocols(alpn.toArray(String[]::new));
            engine.setSSLParameters(p);
            netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        }

        void handshake() throws IOException {
            engine.beginHandshake();
            HandshakeStatus hs = engine.getHandshakeStatus();
            while (hs != HandshakeStatus.FINISHED && hs != HandshakeStatus.NOT_HANDSHAKING) {
                switch (hs) {
                    case NEED_WRAP -> flush(engine.wrap(ByteBuffer.allocate(0), netOut));
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        SSLEngineResult r = unwrap();
                        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && !fill()) {
                            throw new SSLException("the client closed during the handshake");
                        }
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new SSLException("the client ended TLS during the handshake");
                        }
                    }
                    case NEED_TASK -> tasks();
                    default -> throw new IllegalStateException(hs.toString());
                }
                hs = engine.getHandshakeStatus();
            }
        }

        String protocol() {
            return engine.getSession().getProtocol();
        }

        /** How the client's input ended; null until {@link #readToEnd} saw it. */
        ClientEnd clientEnd() {
            return clientEnd;
        }

        /**
         * Reads application data until the client's input ends, records how it ended (see
         * {@link #takeClientEnd}) and what it sent (see {@link #takeReceived}), and returns the data.
         */
        byte[] readToEnd() throws IOException {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            try {
                while (clientEnd == null) {
                    SSLEngineResult r = unwrap();
                    appIn.flip();
                    data.write(appIn.array(), appIn.position(), appIn.remaining());
                    appIn.clear();
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        clientEnd = ClientEnd.CLOSE_NOTIFY;
                    } else if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                            || r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                        if (!fill()) {
                            clientEnd = ClientEnd.FIN;
                        }
                    }
                    tasks();
                }
            } catch (SocketException e) {
                clientEnd = ClientEnd.RST;
            }
            clientEnds.add(clientEnd);
            raw.record(data.toByteArray());
            return data.toByteArray();
        }

        /**
         * Whether the client's input ends (close_notify, FIN or RST) within {@code millis}: then, as
         * {@link #readToEnd}, it is recorded. A client that keeps its side open (an ordinary request)
         * makes it false, and the connection stays usable.
         */
        boolean endsWithin(long millis) throws IOException {
            socket.setSoTimeout((int) millis);
            try {
                readToEnd();
                return true;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } finally {
                socket.setSoTimeout(0);
            }
        }

        /** Reads up to and including the empty line that ends a request head (recorded, see {@link #takeReceived}); the rest stays unread. */
        byte[] readHead() throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (true) {
                SSLEngineResult r = unwrap();
                appIn.flip();
                while (appIn.hasRemaining()) {
                    head.write(appIn.get());
                    byte[] h = head.toByteArray();
                    int n = h.length;
                    if (n >= 4 && h[n - 1] == '\n' && h[n - 2] == '\r' && h[n - 3] == '\n' && h[n - 4] == '\r') {
                        appIn.compact();
                        raw.record(h);
                        return h;
                    }
                }
                appIn.clear();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    return head.toByteArray();
                }
                if ((r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || r.bytesConsumed() == 0) && !fill()) {
                    return head.toByteArray();
                }
            }
        }

        /** Application data out; false when the session is closed for sending (TLS 1.2 after the client's close_notify). */
        boolean write(byte[] bytes) throws IOException {
            ByteBuffer src = ByteBuffer.wrap(bytes);
            while (src.hasRemaining()) {
                SSLEngineResult r = engine.wrap(src, netOut);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    return false;
                }
                flush(r);
            }
            return true;
        }

        /** Our close_notify (in TLS 1.2 after the client's: the reply the engine owes). */
        void closeNotify() throws IOException {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
                flush(r);
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
        }

        /** After a failed handshake: the alert the engine made for the client (e.g. protocol_version), if it can still go. */
        void sendAlert() {
            try {
                closeNotify();
            } catch (IOException ignored) {
                // the client is gone
            }
        }

        /** A TCP FIN, with no close_notify unless {@link #closeNotify} came first. */
        void fin() throws IOException {
            socket.shutdownOutput();
        }

        /** TCP_NODELAY: each write leaves at once (so an RST that follows cannot discard it unsent). */
        void noDelay() throws IOException {
            socket.setTcpNoDelay(true);
        }

        /** SO_LINGER 0 and close: an RST. */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Waits for the client's TCP FIN (reading and dropping what still comes), so that closing sends no RST. */
        void awaitClientFin() throws IOException {
            byte[] drop = new byte[4096];
            try {
                while (socket.getInputStream().read(drop) >= 0) {
                    // drop
                }
            } catch (SocketException e) {
                // reset: nothing left to wait for
            }
        }

        private SSLEngineResult unwrap() throws SSLException {
            netIn.flip();
            try {
                return engine.unwrap(netIn, appIn);
            } finally {
                netIn.compact();
            }
        }

        private boolean fill() throws IOException {
            int n = socket.getInputStream().read(netIn.array(), netIn.position(), netIn.remaining());
            if (n < 0) {
                return false;
            }
            netIn.position(netIn.position() + n);
            return true;
        }

        private void flush(SSLEngineResult r) throws IOException {
            socket.getOutputStream().write(netOut.array(), 0, netOut.position());
            netOut.clear();
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                tasks();
            }
        }

        private void tasks() {
            for (Runnable t; (t = engine.getDelegatedTask()) != null; ) {
                t.run();
            }
        }
    }

    /** Delegates, and counts the certificate choices: one per full handshake, none for a resumed one. */
    private final class Counting extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        Counting(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            String alias = keys.chooseEngineServerAlias(keyType, issuers, engine);
            if (alias != null) {
                fullHandshakes.incrementAndGet();
            }
            return alias;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return keys.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return keys.chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }

    /** An EC P-256 key and a self-signed certificate naming {@code ip} (may be null) and {@code dns}, valid for a day. */
    private static Identity identity(String ip, String dns) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=" + dns);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject, pair.getPublic());
            List<GeneralName> names = new ArrayList<>();
            if (ip != null) {
                names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
            }
            names.add(new GeneralName(GeneralName.dNSName, dns));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new Identity(pair.getPrivate(), certificate);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate", e);
        }
    }
}
