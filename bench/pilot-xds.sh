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

if [ ! -f pilot-service/target/quarkus-app/quarkus-run.jar ] || [ ! -d pilot-service/target/test-classes/io/qmesh/pilot/bench ]; then
  ./mvnw -B -q -f pilot-service/pom.xml package -DskipTests
fi
./mvnw -B -q -o -f pilot-service/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="pilot-service/target/test-classes:pilot-service/target/classes:$(cat pilot-service/target/bench.classpath)"

DATA=$(mktemp -d)
java -Xmx1g -Dquarkus.http.port="$HTTP_PORT" -Dpilot.xds.port="$XDS_PORT" -Dpilot.xds.host=127.0.0.1 \
  -Dquarkus.http.host=127.0.0.1 -Dpilot.data-dir="$DATA" -Dquarkus.log.level=WARN \
  -jar pilot-service/target/quarkus-app/quarkus-run.jar >"$DATA/pilot.log" 2>&1 &
PILOT=$!
trap 'kill $PILOT 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$HTTP_PORT/debug/configz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "pilot-xds bench: proxies=$PROXIES services=$SERVICES changes=$CHANGES ($(nproc) cores, $(java -version 2>&1 | head -1))"
java -Xmx2g -cp "$CP" io.qmesh.pilot.bench.AdsLoad "127.0.0.1:$XDS_PORT" "http://127.0.0.1:$HTTP_PORT" \
  "$PILOT" "$PROXIES" "$SERVICES" "$CHANGES"
