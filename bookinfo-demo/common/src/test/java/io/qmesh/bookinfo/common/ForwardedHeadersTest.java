package io.qmesh.bookinfo.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

    @Test
    void theListIsIstiosSixteenHeaders() {
        assertEquals(List.of("x-request-id", "traceparent", "tracestate", "x-b3-traceid", "x-b3-spanid",
                "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "x-ot-span-context", "x-cloud-trace-context",
                "grpc-trace-bin", "sw8", "user-agent", "cookie", "authorization", "jwt"), ForwardedHeaders.NAMES);
    }

    @Test
    void selectsThePresentHeadersOnlyAndEndUserOnlyWhenAsked() {
        Map<String, String> incoming = new HashMap<>();
        incoming.put("x-request-id", "r1");
        incoming.put("jwt", "token");
        incoming.put("end-user", "jason");
        incoming.put("x-unrelated", "no");

        Map<String, String> expectedWithout = new LinkedHashMap<>();
        expectedWithout.put("x-request-id", "r1");
        expectedWithout.put("jwt", "token");
        assertEquals(expectedWithout, ForwardedHeaders.select(incoming::get, false));

        Map<String, String> expectedWith = new LinkedHashMap<>(expectedWithout);
        expectedWith.put("end-user", "jason");
        assertEquals(expectedWith, ForwardedHeaders.select(incoming::get, true));
    }
}
