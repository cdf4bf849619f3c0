/**
 * bookinfo's details service: static details of the one book, by product id. It calls nobody.
 */
package io.qmesh.bookinfo.details;
