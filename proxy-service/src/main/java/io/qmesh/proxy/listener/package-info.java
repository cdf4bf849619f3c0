/** Listener sockets from LDS (bind, keep, retire) and the transport choice (epoll or NIO). */
package io.qmesh.proxy.listener;
