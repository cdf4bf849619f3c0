/**
 * The HTTP/1.1 data path: downstream connection handling, the per-request exchange (routing,
 * filters, local replies) and the router's upstream attempts (retries, timeouts, streaming with
 * back-pressure).
 */
package io.qmesh.proxy.http;
