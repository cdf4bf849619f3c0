/**
 * bookinfo's reviews service: two reviews of the book, with stars from the ratings service in v2
 * (black) and v3 (red), without in v1. One build; the version is chosen by {@code SERVICE_VERSION},
 * {@code ENABLE_RATINGS} and {@code STAR_COLOR}.
 */
package io.qmesh.bookinfo.reviews;
