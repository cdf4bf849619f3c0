/**
 * Envoy RouteConfiguration semantics on immutable types: virtual host selection by domain, ordered
 * route matching (path, headers, query parameters), and the route actions. Pure; no I/O, no protobuf.
 */
package io.qmesh.proxy.route;
