/**
 * productpage's HTTP endpoints: the Qute-rendered pages, login/logout, and the {@code /api/v1/products}
 * JSON API. Every call they make forwards the incoming request's tracing and identity headers
 * ({@link io.qmesh.bookinfo.productpage.web.OutboundHeaders}).
 */
package io.qmesh.bookinfo.productpage.web;
