/** One Picocli command per class; each turns options into calls on {@code mesh} and {@code client} and prints tables. */
package io.qmesh.cli.commands;
