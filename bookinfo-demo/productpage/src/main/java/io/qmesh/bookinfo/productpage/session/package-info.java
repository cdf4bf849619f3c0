/**
 * The login session: the signed-in user's name travels in a cookie signed with HMAC-SHA256, so that
 * productpage keeps no session state and any replica sharing the secret can read it.
 */
package io.qmesh.bookinfo.productpage.session;
