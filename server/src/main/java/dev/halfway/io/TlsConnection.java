package dev.halfway.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Jetty's {@link SslConnection} between a socket and a {@link ServerConnection}, with what a
 * half-close and a plaintext client need changed. Everything else (the handshake, the record
 * layer, buffering) is Jetty's and the JDK's.
 *
 * <ul>
 *   <li>Jetty's {@code onFillable} closes the endpoint as soon as the decrypted input is shut ("We
 *       have received a close handshake, close the end point to send FIN"). A TLS 1.3 client's
 *       close_notify shuts only its write side (RFC 8446 §6.1), and the response is still owed:
 *       here the connection's {@link dev.halfway.conn.Lifecycle} decides when to close.</li>
 *   <li>The first bytes a client sends are looked at before the TLS engine sees them. A TLS
 *       record starts with its content type, 22 (handshake), or with the high bit set (an SSLv2
 *       hello); anything else is taken as plaintext, kept out of the engine (which would only fail
 *       on it) and handed to the {@link ServerConnection}, which answers it in plaintext.</li>
 *   <li>The handshake's outcome is kept for the connection to read after each fill, on its own
 *       thread, rather than acted on inside Jetty's fill.</li>
 * </ul>
 */
final class TlsConnection extends SslConnection {
    /** TLS record content type of a handshake message (RFC 8446 §5.1). */
    private static final int HANDSHAKE_RECORD = 22;
    /** The versions halfway speaks: TLS 1.3 and 1.2 (RFC 8996 deprecates the older ones). */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** ALPN: HTTP/1.x only (halfway answers HTTP/1.1 requests as HTTP/1.0, which RFC 9110 §2.5 allows). */
    static final String[] APPLICATION_PROTOCOLS = {"http/1.1", "http/1.0"};

    private boolean sniffed;
    private ByteBuffer plaintext;
    private boolean handshaken;
    private Throwable failure;
    private IOException flushFailure;

    TlsConnection(ByteBufferPool pool, Executor executor, EndPoint socket, SSLEngine engine) {
        super(pool, executor, socket, engine, false, false);
        addHandshakeListener(new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) {
                handshaken = true;
            }

            @Override
            public void handshakeFailed(Event event, Throwable cause) {
                if (failure == null) {
                    failure = cause;
                }
            }
        });
    }

    /** A server-side engine with halfway's protocols and ALPN. */
    static SSLEngine engine(javax.net.ssl.SSLContext context) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(PROTOCOLS);
        parameters.setApplicationProtocols(APPLICATION_PROTOCOLS);
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        return engine;
    }

    @Override
    protected SslEndPoint newSslEndPoint() {
        return new Decrypted();
    }

    /** As Jetty's, without closing the endpoint when the client's input is shut (see above). */
    @Override
    public void onFillable() {
        ((Decrypted) getSslEndPoint()).fillable();
    }

    @Override
    protected int networkFill(ByteBuffer input) throws IOException {
        int from = input.limit();
        int filled = super.networkFill(input);
        if (sniffed || filled <= 0) {
            return filled;
        }
        sniffed = true;
        int first = input.get(from) & 0xFF;
        if (first == HANDSHAKE_RECORD || first >= 0x80) {
            return filled;
        }
        plaintext = ByteBuffer.allocate(filled);
        plaintext.put(input.duplicate().position(from).limit(from + filled)).flip();
        input.limit(from);
        return 0;
    }

    /**
     * Remembers why writing to the socket failed. Jetty's decrypted endpoint closes itself when
     * its flush fails and only then fails the write's callback, so the connection hears of the
     * close first and must ask here whether it was a failed write.
     */
    @Override
    protected boolean networkFlush(ByteBuffer output) throws IOException {
        try {
            return super.networkFlush(output);
        } catch (IOException e) {
            if (flushFailure == null) {
                flushFailure = e;
            }
            throw e;
        }
    }

    /** Why a write to the socket failed, once; null if none did. */
    IOException takeFlushFailure() {
        IOException e = flushFailure;
        flushFailure = null;
        return e;
    }

    /** The plaintext a client sent instead of a TLS record, once; null for a TLS client. */
    ByteBuffer takePlaintext() {
        ByteBuffer bytes = plaintext;
        plaintext = null;
        return bytes;
    }

    /** The negotiated session once the handshake succeeded, once; null before and after. */
    SSLSession takeHandshake() {
        if (!handshaken) {
            return null;
        }
        handshaken = false;
        return getSSLEngine().getSession();
    }

    /**
     * Why the handshake failed, once; null if it did not. Jetty closes the endpoint as it fails,
     * so the connection may learn of the failure from its close rather than from a fill.
     */
    Throwable takeFailure() {
        Throwable cause = failure;
        failure = null;
        return cause;
    }

    /** Whether the client sent any bytes at all (so an EOF during the handshake is a failed one, not an empty connection). */
    boolean heardFrom() {
        return sniffed;
    }

    /**
     * Starts our close_notify; {@code write(done, empty)} on the decrypted endpoint then sends it
     * and, once it is flushed, shuts the socket's output (Jetty's flush does the FIN after a
     * CLOSED wrap). Unlike {@code shutdownOutput()}, this waits for a full socket buffer instead of
     * dropping the alert when the client's input is already shut.
     */
    void closeOutbound() {
        getSSLEngine().closeOutbound();
    }

    private final class Decrypted extends SslEndPoint {
        void fillable() {
            onFillable();
        }
    }
}
