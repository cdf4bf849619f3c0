/**
 * HTTP filters: small handlers run in order per request, each with an immutable config and a
 * factory registered by its Envoy filter name. The router is always last.
 */
package io.qmesh.proxy.filter;
