/**
 * productpage's calls to details, reviews and ratings, each wrapped by SmallRye Fault Tolerance:
 * Fallback(Retry(CircuitBreaker(Timeout(call)))), so a failed call ends in the bookinfo fallback text
 * instead of an error page, and an open breaker answers that text without calling.
 */
package io.qmesh.bookinfo.productpage.upstream;
