/** Upstream clusters as the data path sees them, and the per-event-loop connection pools (HTTP/1.1 connections, HTTP/2 streams on shared connections). */
package io.qmesh.proxy.cluster;
