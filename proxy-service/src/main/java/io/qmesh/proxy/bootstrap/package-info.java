/** The proxy's identity (xDS node) and control-plane address, taken from the environment at startup. */
package io.qmesh.proxy.bootstrap;
