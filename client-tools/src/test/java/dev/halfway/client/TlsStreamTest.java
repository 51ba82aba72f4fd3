package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.EOFException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link TlsStream#explain}: a failed handshake in one line, in the terms of the options that change it. */
class TlsStreamTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("a plaintext answer",
                        new SSLException("Unsupported or unrecognized SSL message"), "HTTP/1.0 400 Bad Request\r\nDate: x\r\n",
                        "the server answered in plaintext, not TLS: 'HTTP/1.0 400 Bad Request' (is it an http:// port?)"),
                Arguments.of("a plaintext answer with bytes that are not text",
                        new SSLException("Unsupported or unrecognized SSL message"), "\u0000\u00ffhi\n",
                        "the server answered in plaintext, not TLS: '??hi' (is it an http:// port?)"),
                Arguments.of("an untrusted certificate (the JDK's chain: handshake, validator, path builder)",
                        with(new SSLHandshakeException("PKIX path building failed: sun.security.provider.certpath."
                                        + "SunCertPathBuilderException: unable to find valid certification path to requested target"),
                                with(new CertificateException("PKIX path building failed"),
                                        new CertPathBuilderException("unable to find valid certification path to requested target"))),
                        null,
                        "the server's certificate is not trusted: unable to find valid certification path to requested target "
                                + "(a self-signed certificate? --insecure accepts any certificate)"),
                Arguments.of("a certificate for another name",
                        with(new SSLHandshakeException("No subject alternative names matching IP address 127.0.0.1 found"),
                                new CertificateException("No subject alternative names matching IP address 127.0.0.1 found")),
                        null,
                        "the server's certificate was refused: No subject alternative names matching IP address 127.0.0.1 found "
                                + "(--insecure accepts any certificate)"),
                Arguments.of("a version the server does not speak",
                        new SSLHandshakeException("Received fatal alert: protocol_version"), null,
                        "the server refused the handshake: received fatal alert: protocol_version "
                                + "(it does not speak the TLS version offered: see --tls-version)"),
                Arguments.of("another alert",
                        new SSLHandshakeException("Received fatal alert: handshake_failure"), null,
                        "the server refused the handshake: received fatal alert: handshake_failure"),
                Arguments.of("the server closed mid-handshake",
                        with(new SSLException("Remote host terminated the handshake"), new EOFException("SSL peer shut down incorrectly")),
                        null, "the server closed during the TLS handshake"),
                Arguments.of("class names are left out",
                        new SSLException("sun.security.ssl.SomethingException: the record was odd"), null, "the record was odd"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void explain(String name, Throwable failure, String plaintextStart, String expected) {
        assertEquals(expected, TlsStream.explain(failure, plaintextStart));
    }

    private static <T extends Throwable> T with(T e, Throwable cause) {
        e.initCause(cause);
        return e;
    }
}
