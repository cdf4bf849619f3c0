#!/usr/bin/env bash
# Builds qmesh's container images with buildah, without any registry (see DEVELOPERS.md):
#
#   deploy/images/build.sh [--skip-maven] [--native] [--save DIR] [IMAGE...]
#
# IMAGE is any of: pilot injector proxy productpage details reviews ratings (default: all).
# 1. base-image.sh makes (or finds) the local Debian + JRE base images;
# 2. Maven packages the services (skip with --skip-maven when target/quarkus-app is current);
#    --native builds the proxy as a native executable (needs GraalVM or Mandrel: -Dnative);
# 3. buildah builds ghcr.io/qmesh/<name>:$QMESH_IMAGE_TAG (default 0.1.0, what deploy/ references)
#    from Containerfile.jvm or Containerfile.proxy;
# 4. --save DIR writes each image as DIR/<name>.tar for `kind load image-archive` or
#    `minikube image load`.
# Needs root (rootful podman/buildah, runtime runc). Images land in the local containers storage.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TAG=${QMESH_IMAGE_TAG:-0.1.0}
STAGE=$ROOT/deploy/target/images
ALL=(pilot injector proxy productpage details reviews ratings)

maven=1 native=0 save=
images=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-maven) maven=0 ;;
    --native) native=1 ;;
    --save) save=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) images+=("$1") ;;
  esac
  shift
done
[ ${#images[@]} -gt 0 ] || images=("${ALL[@]}")

# module of an image, relative to the repository root
module() {
  case "$1" in
    pilot) echo pilot-service ;;
    injector) echo injector-service ;;
    proxy) echo proxy-service ;;
    productpage|details|reviews|ratings) echo "bookinfo-demo/$1" ;;
    *) echo "build.sh: unknown image '$1' (expected one of: ${ALL[*]})" >&2; exit 2 ;;
  esac
}

# image name; bookinfo keeps upstream's examples-bookinfo-* names
image_name() {
  case "$1" in
    productpage|details|reviews|ratings) echo "ghcr.io/qmesh/examples-bookinfo-$1:$TAG" ;;
    *) echo "ghcr.io/qmesh/$1:$TAG" ;;
  esac
}

log() { echo "build.sh: $*" >&2; }

"$HERE/base-image.sh"

if [ "$maven" = 1 ]; then
  modules=()
  for image in "${images[@]}"; do
    modules+=("$(module "$image")")
    # the proxy image carries the injector's capture program
    [ "$image" = proxy ] && modules+=(injector-service)
  done
  list=$(printf '%s\n' "${modules[@]}" | sort -u | paste -sd, -)
  log "packaging $list"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests -pl "$list" -am)
  if [ "$native" = 1 ]; then
    log "packaging proxy-service natively (-Dnative: GraalVM/Mandrel required)"
    (cd "$ROOT" && ./mvnw -B -q package -DskipTests -Dnative -pl proxy-service)
  fi
fi

for image in "${images[@]}"; do
  app=$ROOT/$(module "$image")/target/quarkus-app
  [ -f "$app/quarkus-run.jar" ] || { log "$app/quarkus-run.jar is missing (run without --skip-maven)"; exit 1; }
  context=$STAGE/$image
  rm -rf "$context"
  mkdir -p "$context"
  if [ "$image" = proxy ]; then
    capture=$(ls "$ROOT"/injector-service/target/quarkus-app/app/injector-service-*.jar)
    mkdir -p "$context/capture" "$context/deployments"
    cp -l "$capture" "$context/capture/injector-service.jar" 2>/dev/null || cp "$capture" "$context/capture/injector-service.jar"
    cp -al "$app/." "$context/deployments/" 2>/dev/null || cp -a "$app/." "$context/deployments/"
    if [ "$native" = 1 ]; then
      runner=$(ls "$ROOT"/proxy-service/target/*-runner)
      cp "$runner" "$context/deployments/proxy-runner"
    fi
    cp "$HERE/qmesh-proxy" "$HERE/qmesh-agent" "$context/"
    file=$HERE/Containerfile.proxy
    args=()
  else
    cp -al "$app" "$context/quarkus-app" 2>/dev/null || cp -a "$app" "$context/quarkus-app"
    cp "$HERE/qmesh-java" "$HERE/qmesh-webhook-cert" "$context/"
    file=$HERE/Containerfile.jvm
    case "$image" in
      pilot) ports="15010 15014 15017" ;;
      injector) ports=15017 ;;
      *) ports=9080 ;;
    esac
    args=(--build-arg "PORTS=$ports")
  fi
  name=$(image_name "$image")
  log "building $name"
  buildah bud --quiet --layers=false -f "$file" "${args[@]}" \
    --label "org.opencontainers.image.source=https://github.com/qmesh/qmesh" \
    --label "org.opencontainers.image.revision=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    -t "$name" "$context" >/dev/null
  if [ -n "$save" ]; then
    mkdir -p "$save"
    rm -f "$save/$image.tar"
    podman save --quiet -o "$save/$image.tar" "$name"
    log "saved $save/$image.tar"
  fi
done
log "done: $(for i in "${images[@]}"; do image_name "$i"; done | paste -sd' ' -)"
