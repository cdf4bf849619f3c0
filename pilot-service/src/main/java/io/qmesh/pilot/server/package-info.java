/**
 * The edges: the ADS gRPC server that streams {@code xds} output to proxies, the REST API for rules and
 * debugging, typed configuration, and the wiring that starts it all. Nothing here decides what a proxy
 * is sent; it only decides when and checks the protocol.
 */
package io.qmesh.pilot.server;
