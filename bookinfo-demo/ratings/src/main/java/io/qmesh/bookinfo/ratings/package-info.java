/**
 * bookinfo's ratings service: the stars each reviewer gave a product, kept in memory; a POST replaces
 * a product's ratings until the process ends.
 */
package io.qmesh.bookinfo.ratings;
