/**
 * bookinfo's productpage: the HTML front page and the {@code /api/v1/products} API, built from calls to
 * details and reviews (and ratings, for the API). {@code upstream} owns those calls and their
 * fault tolerance, {@code session} the signed login cookie, {@code web} the endpoints and templates;
 * {@code web} depends on the other two, never the reverse.
 */
package io.qmesh.bookinfo.productpage;
