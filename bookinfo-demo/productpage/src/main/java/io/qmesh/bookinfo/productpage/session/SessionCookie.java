package io.qmesh.bookinfo.productpage.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.NewCookie;

import io.qmesh.bookinfo.productpage.ProductPageConfig;

/**
 * Issues and reads the {@code session} cookie: {@code base64url(user) "." base64url(hmac(user))}.
 * A cookie whose signature does not match is ignored, as if nobody were signed in.
 */
@Singleton
public class SessionCookie {

    public static final String NAME = "session";
    static final int MAX_USER_LENGTH = 64;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;

    @Inject
    public SessionCookie(ProductPageConfig config) {
        this(config.sessionSecret().filter(s -> !s.isBlank())
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .orElseGet(SessionCookie::randomKey));
    }

    public SessionCookie(byte[] secret) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /**
     * Checks a user name typed into the login form: it is sent downstream as the {@code end-user} header,
     * so only printable ASCII without control characters fits.
     *
     * @return empty when valid, otherwise the message naming the field and the expectation
     */
    public static Optional<String> validateUser(String user) {
        if (user == null || user.isEmpty() || user.length() > MAX_USER_LENGTH
                || !user.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            return Optional.of("username: '" + (user == null ? "" : user) + "' (expected: 1 to " + MAX_USER_LENGTH
                    + " printable ASCII characters without spaces)");
        }
        return Optional.empty();
    }

    /** The cookie that signs {@code user} in; the user must have passed {@link #validateUser}. */
    public NewCookie signIn(String user) {
        byte[] name = user.getBytes(StandardCharsets.US_ASCII);
        return cookie(ENCODER.encodeToString(name) + "." + ENCODER.encodeToString(sign(name)), -1);
    }

    /** The cookie that signs the user out: empty and already expired. */
    public NewCookie signOut() {
        return cookie("", 0);
    }

    /** The signed-in user, or empty for a missing, malformed or forged cookie. */
    public Optional<String> user(String cookieValue) {
        if (cookieValue == null) {
            return Optional.empty();
        }
        int dot = cookieValue.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            byte[] name = DECODER.decode(cookieValue.substring(0, dot));
            byte[] signature = DECODER.decode(cookieValue.substring(dot + 1));
            if (!MessageDigest.isEqual(sign(name), signature)) {
                return Optional.empty();
            }
            String user = new String(name, StandardCharsets.US_ASCII);
            return validateUser(user).isEmpty() ? Optional.of(user) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] sign(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static NewCookie cookie(String value, int maxAge) {
        return new NewCookie.Builder(NAME).value(value).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.LAX).maxAge(maxAge).build();
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
