package io.qmesh.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProxyStatusCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String state(String json) throws Exception {
        return ProxyStatusCommand.syncState(JSON.readTree(json));
    }

    @Test
    void syncStatesAreIstioctlsWords() throws Exception {
        assertEquals("SYNCED", state("{\"sentVersion\":\"4\",\"ackedVersion\":\"4\"}"));
        assertEquals("STALE", state("{\"sentVersion\":\"5\",\"ackedVersion\":\"4\"}"));
        assertEquals("NACK", state("{\"sentVersion\":\"5\",\"ackedVersion\":\"4\",\"nackedVersion\":\"5\",\"lastNack\":\"bad\"}"));
        assertEquals("NOT SENT", state("{\"sentVersion\":\"\"}"));
        assertEquals("NOT SENT", ProxyStatusCommand.syncState(JSON.missingNode()));
    }

    @Test
    void proxyNamesArePodDotNamespace() {
        assertEquals("reviews-v1.default", ProxyStatusCommand.proxyName("sidecar~127.0.0.14~reviews-v1.default~default.svc.cluster.local"));
        assertEquals("odd-id", ProxyStatusCommand.proxyName("odd-id"));
    }
}
