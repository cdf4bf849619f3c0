package io.qmesh.pilot.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Istio's protocol selection for a service port: appProtocol first, then the port name (prefix before '-'), else TCP. */
class ProtocolTest {
    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "http, -, HTTP",
            "http-web, -, HTTP",
            "HTTP2, -, HTTP2",
            "grpc-api, -, GRPC",
            "grpc-web, -, GRPC",
            "tcp-db, -, TCP",
            "mongo, -, TCP",
            "-, -, TCP",
            "web, http, HTTP",
            "tcp, grpc, GRPC",
            "http, tcp, TCP",
            "http, unknown, HTTP",
            "web, h2c, HTTP2"})
    void selectsLikeIstio(String portName, String appProtocol, Protocol expected) {
        assertEquals(expected, Protocol.select(portName, appProtocol));
    }
}
