package io.qmesh.bookinfo.productpage.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.ws.rs.core.NewCookie;

import org.junit.jupiter.api.Test;

class SessionCookieTest {

    private final SessionCookie sessions = new SessionCookie("secret-a".getBytes(StandardCharsets.UTF_8));

    @Test
    void aSignedInUserIsReadBack() {
        NewCookie cookie = sessions.signIn("jason");
        assertEquals("session", cookie.getName());
        assertEquals("/", cookie.getPath());
        assertTrue(cookie.isHttpOnly());
        assertEquals(Optional.of("jason"), sessions.user(cookie.getValue()));
    }

    @Test
    void anotherSecretOrATamperedCookieIsNobody() {
        String value = sessions.signIn("jason").getValue();
        SessionCookie other = new SessionCookie("secret-b".getBytes(StandardCharsets.UTF_8));
        assertEquals(Optional.empty(), other.user(value));
        String admin = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("admin".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Optional.empty(), sessions.user(admin + value.substring(value.indexOf('.'))));
        for (String junk : new String[] { null, "", ".", "jason", "a.b", "!!!.???", value + "x" }) {
            assertEquals(Optional.empty(), sessions.user(junk), String.valueOf(junk));
        }
    }

    @Test
    void signOutExpiresTheCookie() {
        NewCookie cookie = sessions.signOut();
        assertEquals("", cookie.getValue());
        assertEquals(0, cookie.getMaxAge());
    }

    @Test
    void userNamesMustBeHeaderSafe() {
        assertEquals(Optional.empty(), SessionCookie.validateUser("jason"));
        assertEquals(Optional.empty(), SessionCookie.validateUser("x".repeat(64)));
        for (String bad : new String[] { null, "", "a b", "x".repeat(65), "j\r\nx-evil: 1", "jäson" }) {
            assertTrue(SessionCookie.validateUser(bad).isPresent(), String.valueOf(bad));
        }
    }
}
