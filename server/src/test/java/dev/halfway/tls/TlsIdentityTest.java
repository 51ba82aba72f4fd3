package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loading the server's TLS identity from what users have: PEM files from openssl in each key
 * form, a PKCS#12 keystore, or a self-signed certificate; and a clear refusal, naming the file
 * and the option, for each way that goes wrong.
 */
class TlsIdentityTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-pkcs8", "ed25519"})
    void pemKeysInEachForm(String kind) throws Exception {
        Path key = OpenSsl.key(dir, kind, "key.pem");
        Path cert = OpenSsl.certificate(dir, key, "cert.pem");
        TlsIdentity identity = TlsIdentity.fromPem(cert, key);
        assertEquals("CN=localhost", identity.certificate().getSubjectX500Principal().getName());
        assertFalse(identity.selfSigned(), "a user's certificate is not ours");
        assertEquals("TLS", identity.context().getProtocol());
    }

    @Test
    void aChainIsKeptInOrder() throws Exception {
        Path key = OpenSsl.key(dir, "ec-pkcs8", "key.pem");
        Path leaf = OpenSsl.certificate(dir, key, "leaf.pem");
        Path other = OpenSsl.certificate(dir, OpenSsl.key(dir, "ec-pkcs8", "other.pem"), "other-cert.pem");
        Path chain = dir.resolve("fullchain.pem");
        Files.writeString(chain, Files.readString(leaf) + Files.readString(other));
        TlsIdentity identity = TlsIdentity.fromPem(chain, key);
        java.security.cert.CertificateFactory x509 = java.security.cert.CertificateFactory.getInstance("X.509");
        try (var in = Files.newInputStream(leaf)) {
            assertEquals(x509.generateCertificate(in), identity.certificate(), "the leaf first");
        }
        assertEquals(2, identity.certificatePem().split("BEGIN CERTIFICATE").length - 1, "the whole chain is served");
    }

    @Test
    void theFingerprintIsOpenSslsSha256() throws Exception {
        Path key = OpenSsl.key(dir, "ec-pkcs8", "key.pem");
        Path cert = OpenSsl.certificate(dir, key, "cert.pem");
        OpenSsl.run(dir, "x509", "-in", "cert.pem", "-noout", "-fingerprint", "-sha256", "-out", "fp.txt");
        String expected = Files.readString(dir.resolve("fp.txt")).strip().replaceFirst("(?i)^sha256 fingerprint=", "");
        assertEquals(expected, TlsIdentity.fromPem(cert, key).fingerprint());
    }

    @Test
    void pkcs12WithAndWithoutAPassword() throws Exception {
        Path key = OpenSsl.key(dir, "rsa-pkcs8", "key.pem");
        Path cert = OpenSsl.certificate(dir, key, "cert.pem");
        OpenSsl.run(dir, "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-passout", "pass:secret", "-out", "k.p12");
        TlsIdentity identity = TlsIdentity.fromPkcs12(dir.resolve("k.p12"), "secret".toCharArray());
        assertEquals("CN=localhost", identity.certificate().getSubjectX500Principal().getName());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> TlsIdentity.fromPkcs12(dir.resolve("k.p12"), "nope".toCharArray()));
        assertTrue(wrong.getMessage().startsWith("--tls-keystore " + dir.resolve("k.p12") + ": "), wrong.getMessage());
        assertTrue(wrong.getMessage().contains("wrong password?"), wrong.getMessage());
    }

    @Test
    void selfSignedNamesLoopbackAndTheHost() throws Exception {
        TlsIdentity identity = TlsIdentity.selfSigned(List.of("example.test", "192.0.2.1", "0.0.0.0"));
        X509Certificate c = identity.certificate();
        assertTrue(identity.selfSigned());
        c.verify(c.getPublicKey()); // signed by itself
        List<String> names = c.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
        assertEquals(List.of("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "example.test", "192.0.2.1"), names,
                "a wildcard bind address is no name");
        assertTrue(c.getNotAfter().getTime() - c.getNotBefore().getTime() <= 31L * 24 * 3600 * 1000, "short-lived");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), c.getExtendedKeyUsage(), "for TLS servers");
        String fp = HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        assertEquals(fp, identity.fingerprint());
    }

    @Test
    void pemWrittenOutLoadsBack() throws Exception {
        TlsIdentity made = TlsIdentity.selfSigned(List.of());
        Path cert = Files.writeString(dir.resolve("c.pem"), made.certificatePem());
        Path key = Files.writeString(dir.resolve("k.pem"), made.keyPem());
        assertEquals(made.fingerprint(), TlsIdentity.fromPem(cert, key).fingerprint());
    }

    record Refusal(String name, String option, String mentions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Refusal> refusals() {
        return Stream.of(
                new Refusal("no such certificate file", "--tls-cert", "no such file"),
                new Refusal("a certificate file with no certificate", "--tls-cert", "no PEM certificate"),
                new Refusal("no such key file", "--tls-key", "no such file"),
                new Refusal("a key file with no key", "--tls-key", "no PEM private key"),
                new Refusal("an encrypted key", "--tls-key", "the key is encrypted"),
                new Refusal("the key of another certificate", "--tls-key", "is not the key of the certificate"),
                new Refusal("a keystore that is not PKCS#12", "--tls-keystore", "cannot read it as PKCS#12"),
                new Refusal("no such keystore", "--tls-keystore", "no such file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void eachRefusalNamesTheOptionAndTheFile(Refusal row) throws Exception {
        Path key = OpenSsl.key(dir, "ec-pkcs8", "key.pem");
        Path cert = OpenSsl.certificate(dir, key, "cert.pem");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not PEM at all\n", StandardCharsets.US_ASCII);
        Path missing = dir.resolve("missing.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            switch (row.name()) {
                case "no such certificate file" -> TlsIdentity.fromPem(missing, key);
                case "a certificate file with no certificate" -> TlsIdentity.fromPem(key, key);
                case "no such key file" -> TlsIdentity.fromPem(cert, missing);
                case "a key file with no key" -> TlsIdentity.fromPem(cert, cert);
                case "an encrypted key" -> {
                    OpenSsl.run(dir, "pkey", "-in", "key.pem", "-aes256", "-passout", "pass:x", "-out", "enc.pem");
                    TlsIdentity.fromPem(cert, dir.resolve("enc.pem"));
                }
                case "the key of another certificate" -> TlsIdentity.fromPem(cert, OpenSsl.key(dir, "ec-pkcs8", "other.pem"));
                case "a keystore that is not PKCS#12" -> TlsIdentity.fromPkcs12(text, new char[0]);
                case "no such keystore" -> TlsIdentity.fromPkcs12(missing, new char[0]);
                default -> throw new AssertionError(row.name());
            }
        });
        assertTrue(e.getMessage().startsWith(row.option() + " "), e.getMessage());
        assertTrue(e.getMessage().contains(row.mentions()), e.getMessage());
    }
}
