package dev.halfway.client;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How an exchange speaks TLS: the versions it offers, whom it trusts, and what its half-close
 * is. Every exchange makes a fresh {@link javax.net.ssl.SSLContext} from this, so no session is
 * ever resumed: each connection is a full handshake.
 *
 * @param protocols   the versions offered, e.g. {@code [TLSv1.3, TLSv1.2]}
 * @param trust       checks the server's certificate chain; the hostname is checked too
 *                    (endpoint identification "HTTPS", RFC 2818 §3.1) unless it is {@link #INSECURE}
 * @param closeNotify true: our half-close (and our full close) sends close_notify first and then
 *                    the TCP FIN, as stunnel and socat do; false: a bare TCP FIN with no
 *                    close_notify, which RFC 8446 §6.1 tells the server to treat as a possible
 *                    truncation ({@code --tcp-fin-only})
 */
public record TlsPlan(List<String> protocols, X509TrustManager trust, boolean closeNotify) {
    /** What we offer unless told otherwise: TLS 1.3 and 1.2 (RFC 8996 deprecates the older ones). */
    public static final List<String> BOTH = List.of("TLSv1.3", "TLSv1.2");

    /**
     * Trusts every certificate and checks no hostname ({@code --insecure}). It has to be an
     * {@link X509ExtendedTrustManager}: the JDK wraps a plain {@link X509TrustManager} in one that
     * still does endpoint identification.
     */
    public static final X509ExtendedTrustManager INSECURE = new X509ExtendedTrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    public TlsPlan {
        protocols = List.copyOf(protocols);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("no TLS version to offer");
        }
    }

    /**
     * The plan the command-line options describe.
     *
     * @param insecure    trust any certificate ({@link #INSECURE}); else the JDK's default trust store
     * @param version     "1.2" or "1.3" to offer only that version; null for both
     * @param tcpFinOnly  half-close with a bare TCP FIN, no close_notify
     * @throws IllegalArgumentException for a version other than 1.2 and 1.3
     */
    public static TlsPlan of(boolean insecure, String version, boolean tcpFinOnly) {
        return new TlsPlan(protocols(version), insecure ? INSECURE : defaultTrust(), !tcpFinOnly);
    }

    /** {@code "1.2"} → {@code [TLSv1.2]}, {@code "1.3"} → {@code [TLSv1.3]}, null → {@link #BOTH}. */
    static List<String> protocols(String version) {
        if (version == null) {
            return BOTH;
        }
        return switch (version) {
            case "1.2" -> List.of("TLSv1.2");
            case "1.3" -> List.of("TLSv1.3");
            default -> throw new IllegalArgumentException("--tls-version is 1.2 or 1.3, not '" + version + "'");
        };
    }

    /** The JDK's default trust store (cacerts, or what javax.net.ssl.trustStore names). */
    static X509TrustManager defaultTrust() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            for (TrustManager m : factory.getTrustManagers()) {
                if (m instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the JDK's default trust store: " + e.getMessage(), e);
        }
    }

    /**
     * The ALPN protocols to offer for a request (RFC 7301), most wanted first: the request's own
     * HTTP version, then the other HTTP/1.x. Offering both keeps a server that knows only one from
     * failing the handshake with no_application_protocol.
     */
    static List<String> applicationProtocols(String requestLine) {
        return requestLine != null && requestLine.endsWith(" HTTP/1.1")
                ? List.of("http/1.1", "http/1.0") : List.of("http/1.0", "http/1.1");
    }
}
