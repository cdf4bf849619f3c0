/**
 * The {@code qmesh} command line: Picocli commands in {@code commands}, the one-machine mesh that
 * {@code qmesh up} runs in {@code mesh} (plan, processes, state file), and the HTTP clients of pilot's
 * rules API and the proxies' admin endpoints in {@code client}. Dependencies point one way:
 * {@code commands -> mesh, client}; neither {@code mesh} nor {@code client} knows Picocli.
 */
package io.qmesh.cli;
