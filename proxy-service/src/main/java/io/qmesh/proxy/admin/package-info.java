/** Admin (localhost 15000), health (15021) and Prometheus (15090) HTTP endpoints. */
package io.qmesh.proxy.admin;
