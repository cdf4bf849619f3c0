#!/usr/bin/env bash
# Builds qmesh's two base images from Debian packages, without any container registry:
#   localhost/qmesh/base-jre:bookworm           Debian bookworm minbase + openjdk-17-jre-headless
#   localhost/qmesh/base-jre-iptables:bookworm  the same + iptables and iproute2 (the proxy image:
#                                               its istio-init mode installs the capture rules)
# debootstrap writes a root file system, which is packed into a tarball and imported with
# `podman import`. The tarballs are cached (QMESH_IMAGE_CACHE, default ~/.cache/qmesh/images), keyed
# by RECIPE, so only the first run downloads packages (a few minutes); later runs
# import the cached tarballs (seconds) or find the images already present (nothing to do).
# Needs root (debootstrap, rootful podman), debootstrap and podman; Debian mirrors reachable.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${QMESH_IMAGE_CACHE:-$HOME/.cache/qmesh/images}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# What the images contain; the cache key. Change it (e.g. bump the last word) to rebuild them.
RECIPE="$SUITE minbase openjdk-17-jre-headless; proxy: +iptables iproute2; users 1337 1000; r1"
KEY=$(echo "$RECIPE" | sha256sum | cut -c1-12)
BASE=localhost/qmesh/base-jre:$SUITE
PROXY_BASE=localhost/qmesh/base-jre-iptables:$SUITE

log() { echo "base-image: $*" >&2; }

have_image() {
  [ "$(podman image inspect --format '{{index .Labels "io.qmesh.base-key"}}' "$1" 2>/dev/null)" = "$KEY" ]
}

# Packs a root file system into a reproducible-enough tarball (owners kept, no device files).
pack() {
  local rootfs=$1 out=$2
  tar --numeric-owner --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* -C "$rootfs" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
}

# Shrinks the root file system: no docs, man pages, locales or apt lists in the image.
slim() {
  local rootfs=$1
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/*.log
  find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'en*' -exec rm -rf {} + 2>/dev/null || true
}

# The mesh's user (Istio's proxy uid/gid 1337) and the app user (1000), and writable /tmp.
add_users() {
  local rootfs=$1
  grep -q '^istio-proxy:' "$rootfs/etc/group" || echo 'istio-proxy:x:1337:' >> "$rootfs/etc/group"
  grep -q '^istio-proxy:' "$rootfs/etc/passwd" \
    || echo 'istio-proxy:x:1337:1337:qmesh proxy:/nonexistent:/usr/sbin/nologin' >> "$rootfs/etc/passwd"
  grep -q '^qmesh:' "$rootfs/etc/group" || echo 'qmesh:x:1000:' >> "$rootfs/etc/group"
  grep -q '^qmesh:' "$rootfs/etc/passwd" \
    || echo 'qmesh:x:1000:1000:qmesh:/nonexistent:/usr/sbin/nologin' >> "$rootfs/etc/passwd"
  chmod 1777 "$rootfs/tmp"
}

import() {
  local tarball=$1 image=$2
  podman import --change "LABEL io.qmesh.base-key=$KEY" --change 'ENV LANG=C.UTF-8' \
    --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' "$tarball" "$image" >/dev/null
  log "imported $image from $tarball"
}

if have_image "$BASE" && have_image "$PROXY_BASE"; then
  log "$BASE and $PROXY_BASE are up to date"
  exit 0
fi

mkdir -p "$CACHE"
BASE_TAR=$CACHE/base-jre-$SUITE-$KEY.tar
PROXY_TAR=$CACHE/base-jre-iptables-$SUITE-$KEY.tar
if [ ! -f "$BASE_TAR" ] || [ ! -f "$PROXY_TAR" ]; then
  command -v debootstrap >/dev/null || { log "debootstrap is missing (apt-get install debootstrap)"; exit 1; }
  WORK=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'umount "$WORK/proc" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  log "debootstrap $SUITE minbase with openjdk-17-jre-headless from $MIRROR (first run only)"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless "$SUITE" "$WORK" "$MIRROR" \
    > "$CACHE/debootstrap.log" 2>&1 || { log "debootstrap failed, see $CACHE/debootstrap.log"; exit 1; }
  add_users "$WORK"
  slim "$WORK"
  pack "$WORK" "$BASE_TAR"
  log "installing iptables and iproute2 for the proxy base"
  mount -t proc proc "$WORK/proc"
  chroot "$WORK" apt-get update -qq >> "$CACHE/debootstrap.log" 2>&1
  DEBIAN_FRONTEND=noninteractive chroot "$WORK" apt-get install -y -qq --no-install-recommends iptables iproute2 \
    >> "$CACHE/debootstrap.log" 2>&1 || { log "apt-get install iptables failed, see $CACHE/debootstrap.log"; exit 1; }
  umount "$WORK/proc"
  slim "$WORK"
  pack "$WORK" "$PROXY_TAR"
fi
have_image "$BASE" || import "$BASE_TAR" "$BASE"
have_image "$PROXY_BASE" || import "$PROXY_TAR" "$PROXY_BASE"
