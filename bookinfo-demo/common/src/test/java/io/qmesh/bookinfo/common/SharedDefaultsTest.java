package io.qmesh.bookinfo.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** The defaults every bookinfo service inherits from this jar (tests run on port 0, so they cannot see them). */
class SharedDefaultsTest {

    @Test
    void servicesListenOn9080AndTakeIstiosVariableNames() throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/microprofile-config.properties")) {
            defaults.load(in);
        }
        assertEquals("9080", defaults.getProperty("quarkus.http.port"));
        assertEquals("${FAULT_MODE:none}", defaults.getProperty("bookinfo.fault-mode"));
        assertEquals("${BOOKINFO_OUTBOUND_PROXY:}", defaults.getProperty("bookinfo.outbound-proxy"));
    }
}
