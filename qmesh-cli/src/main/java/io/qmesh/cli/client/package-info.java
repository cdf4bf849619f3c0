/** HTTP clients of pilot's rules API and debug endpoints and of a proxy's admin endpoint; failures become one-line {@link io.qmesh.cli.CliException}s. */
package io.qmesh.cli.client;
