#!/usr/bin/env bash
# Pilot push latency with N simulated sidecars over ADS (see pilot-service AdsLoad).
# Usage: bench/pilot-xds.sh [proxies] [services] [changes]    e.g. bench/pilot-xds.sh 1000 4 20
# Starts pilot (default settings: 100 ms debounce) on loopback ports, connects the sidecars, changes one
# VirtualService <changes> times and prints: time from the change to all ACKs (p50, p99), bytes per
# proxy per change, pilot CPU seconds during the changes, pilot peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
PROXIES=${1:-100}
SERVICES=${2:-4}
CHANGES=${3:-20}
XDS_PORT=${XDS_PORT:-25010}
HTTP_PORT=${HTTP_PORT:-25014}

JAR=pilot-service/target/quarkus-app/quarkus-run.jar
if [ ! -f "$JAR" ] || [ ! -d pilot-service/target/test-classes/io/qmesh/pilot/bench ] \
   || [ -n "$(find pilot-service/src pilot-service/pom.xml -newer "$JAR" -print -quit)" ]; then
  ./mvnw -B -q -f pilot-service/pom.xml package -DskipTests
fi
./mvnw -B -q -o -f pilot-service/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="pilot-service/target/test-classes:pilot-service/target/classes:$(cat pilot-service/target/bench.classpath)"

DATA=$(mktemp -d)
# Every service is declared up front in the static registry file, as a Kubernetes cluster would know
# its Services before the pods start: connecting sidecars then only add endpoints (EDS pushes), instead
# of creating a thousand services one by one. Services without a sidecar get one static endpoint.
{
  echo "services:"
  for ((i = 0; i < SERVICES; i++)); do
    if [ "$i" -lt "$PROXIES" ]; then EP="[]"; else EP="[{address: 10.200.$((i >> 8 & 255)).$((i & 255))}]"; fi
    echo "  - {name: svc-$i, ports: [{name: http, port: 9080}], endpoints: $EP}"
  done
} >"$DATA/static.yaml"
STATIC=(-Dpilot.local.static-file="$DATA/static.yaml")
# shellcheck disable=SC2086  # PILOT_JAVA_OPTS (e.g. a JFR recording) is a list of flags
java -Xmx1g ${PILOT_JAVA_OPTS:-} "${STATIC[@]}" -Dquarkus.http.port="$HTTP_PORT" -Dpilot.xds.port="$XDS_PORT" -Dpilot.xds.host=127.0.0.1 \
  -Dquarkus.http.host=127.0.0.1 -Dpilot.data-dir="$DATA" -Dquarkus.log.level=WARN \
  '-Dquarkus.log.category."io.qmesh.pilot.server.AdsService".level=INFO' \
  -jar pilot-service/target/quarkus-app/quarkus-run.jar >"$DATA/pilot.log" 2>&1 &
PILOT=$!
LOG=/tmp/pilot-xds-$PROXIES-$SERVICES.log
trap 'kill $PILOT 2>/dev/null || true; cp "$DATA/pilot.log" "$LOG" 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$HTTP_PORT/debug/configz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "pilot-xds bench: proxies=$PROXIES services=$SERVICES changes=$CHANGES ($(nproc) cores, $(java -version 2>&1 | head -1))"
java -Xmx2g -cp "$CP" io.qmesh.pilot.bench.AdsLoad "127.0.0.1:$XDS_PORT" "http://127.0.0.1:$HTTP_PORT" \
  "$PILOT" "$PROXIES" "$SERVICES" "$CHANGES"
# Pilot's own share: the time each change's push took inside pilot (snapshot, translate, send to all),
# from its log line "push of snapshot N: R responses to P proxies in T ms".
grep -o 'push of snapshot [0-9]*: [0-9]* responses to [0-9]* proxies in [0-9.]* ms' "$DATA/pilot.log" \
  | tail -n "$CHANGES" | awk '{print $(NF-1)}' | sort -n \
  | awk '{a[NR]=$1} END {if (NR) printf "pilot push time per change (inside pilot): p50 %.1f ms, max %.1f ms (%d pushes)\n", a[int((NR+1)/2)], a[NR], NR}'
