package dev.halfway.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The server's TLS identity: a private key and its certificate chain, and the {@link SSLContext}
 * made of them. Three ways to get one: PEM files (what certbot and most CAs hand out), a PKCS#12
 * keystore, or an ephemeral self-signed certificate for trying things out. Bouncy Castle reads the
 * PEM forms the JDK cannot (PKCS#1 RSA and SEC1 EC keys) and builds the self-signed certificate;
 * it is not installed as a JCA provider, so the JDK's own TLS and crypto do the work.
 *
 * <p>Every refusal is an {@link IllegalArgumentException} whose message names the file and what is
 * wrong with it, for the command line to print as is.
 */
public final class TlsIdentity {
    private static final String ALIAS = "halfway";
    private static final char[] NO_PASSWORD = new char[0];
    /** How long a self-signed certificate is valid; it is made anew at each start. */
    private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(30);

    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final boolean selfSigned;
    private final SSLContext context;

    private TlsIdentity(PrivateKey key, List<X509Certificate> chain, boolean selfSigned) {
        this.key = key;
        this.chain = List.copyOf(chain);
        this.selfSigned = selfSigned;
        this.context = newContext(key, this.chain);
    }

    /**
     * A certificate chain (leaf first, as {@code fullchain.pem} has it) and an unencrypted private
     * key (PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY} or SEC1 {@code EC PRIVATE KEY}).
     */
    public static TlsIdentity fromPem(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter certificates = new JcaX509CertificateConverter();
        for (Object o : pemObjects(certificateFile, "--tls-cert")) {
            if (o instanceof X509CertificateHolder holder) {
                try {
                    chain.add(certificates.getCertificate(holder));
                } catch (GeneralSecurityException e) {
                    throw new IllegalArgumentException("--tls-cert " + certificateFile + ": unusable certificate: " + e.getMessage());
                }
            }
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("--tls-cert " + certificateFile + ": no PEM certificate (BEGIN CERTIFICATE) in it");
        }
        PrivateKey key = null;
        JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
        for (Object o : pemObjects(keyFile, "--tls-key")) {
            try {
                if (o instanceof PEMKeyPair pair) {
                    key = keys.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (o instanceof PrivateKeyInfo info) {
                    key = keys.getPrivateKey(info);
                } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new IllegalArgumentException("--tls-key " + keyFile
                            + ": the key is encrypted; give an unencrypted one (openssl pkey -in KEY -out PLAIN) or use --tls-keystore");
                } else if (o instanceof ASN1ObjectIdentifier || o instanceof X509CertificateHolder) {
                    continue; // EC PARAMETERS before the key, or a certificate kept in the same file
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("--tls-key " + keyFile + ": unusable private key: " + e.getMessage());
            }
            if (key != null) {
                break;
            }
        }
        if (key == null) {
            throw new IllegalArgumentException("--tls-key " + keyFile + ": no PEM private key (BEGIN PRIVATE KEY) in it");
        }
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("--tls-key " + keyFile + " is not the key of the certificate in --tls-cert " + certificateFile);
        }
        return new TlsIdentity(key, chain, false);
    }

    /** The first key entry of a PKCS#12 keystore, with its chain. */
    public static TlsIdentity fromPkcs12(Path file, char[] password) {
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--tls-keystore " + file + ": no such file");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-keystore " + file + ": cannot read it as PKCS#12 (wrong password?): " + e.getMessage());
        }
        try {
            for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
                String alias = aliases.nextElement();
                if (store.isKeyEntry(alias) && store.getKey(alias, password) instanceof PrivateKey key) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate c : store.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                    return new TlsIdentity(key, chain, false);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-keystore " + file + ": cannot read its key: " + e.getMessage());
        }
        throw new IllegalArgumentException("--tls-keystore " + file + ": no private key entry in it");
    }

    /**
     * A new EC P-256 key and a certificate for it, signed by itself, valid from an hour ago for
     * 30 days, for {@code localhost}, 127.0.0.1, ::1 and {@code names} (host names or addresses).
     * Clients must be told to trust it ({@code curl -k}, or pin the fingerprint).
     */
    public static TlsIdentity selfSigned(List<String> names) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=halfway self-signed");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(SELF_SIGNED_VALIDITY)),
                    subject, pair.getPublic());
            List<GeneralName> alternatives = new ArrayList<>();
            alternatives.add(new GeneralName(GeneralName.dNSName, "localhost"));
            alternatives.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            alternatives.add(new GeneralName(GeneralName.iPAddress, "::1"));
            for (String name : names) {
                boolean address = name.indexOf(':') >= 0 || name.matches("[0-9.]+");
                if (!name.isEmpty() && !name.equals("localhost") && !name.equals("127.0.0.1") && !name.equals("::1")
                        && !name.equals("0.0.0.0") && !name.equals("::")) {
                    alternatives.add(new GeneralName(address ? GeneralName.iPAddress : GeneralName.dNSName, name));
                }
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
            return new TlsIdentity(pair.getPrivate(), List.of(certificate), true);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("could not make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Whether this is an ephemeral self-signed certificate. */
    public boolean selfSigned() {
        return selfSigned;
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The leaf certificate's SHA-256 fingerprint, as {@code openssl x509 -fingerprint -sha256} prints it. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server-side context holding this identity, with the JDK's default trust and randomness (one per identity). */
    public SSLContext context() {
        return context;
    }

    private static SSLContext newContext(PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, NO_PASSWORD, chain.toArray(Certificate[]::new));
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(store, NO_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(managers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use the TLS key and certificate: " + e.getMessage());
        }
    }

    /** The key (PKCS#8) and the chain as PEM text, for tests and tools that want files. */
    public String keyPem() {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    public String certificatePem() {
        StringBuilder out = new StringBuilder();
        for (X509Certificate c : chain) {
            try {
                out.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.toString();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static List<Object> pemObjects(Path file, String option) {
        List<Object> objects = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(in)) {
            for (Object o; (o = parser.readObject()) != null; ) {
                objects.add(o);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(option + " " + file + ": not PEM: " + e.getMessage());
        }
        return objects;
    }

    /** Whether {@code key} signs what {@code certified} verifies: the certificate is the key's. */
    private static boolean matches(PrivateKey key, PublicKey certified) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(certified.getAlgorithm()) && !algorithm.startsWith("Ed")) {
            return algorithm == null; // an algorithm we cannot check: let the handshake decide
        }
        try {
            byte[] probe = "halfway key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
