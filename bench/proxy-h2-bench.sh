#!/usr/bin/env bash
# HTTP/2 (h2c) through qmesh's proxy next to nginx, same origin, one run.
#
#   bench/proxy-h2-bench.sh [seconds-per-run=5] [repeats=3]
#
# h2load (prior-knowledge h2c, 16 connections x 10 concurrent streams, 1 KB responses) against:
#   direct  h2load -> nginx origin (h2c)
#   qmesh   h2load -> qmesh (JVM, 1 event loop, h2c downstream) -> origin over HTTP/1.1 keep-alive
#   nginx   h2load -> nginx (1 worker, h2c) -> origin over HTTP/1.1 keep-alive
# qmesh is configured over ADS by the test-scoped BenchControlPlane (an HTTP/1.1 cluster). Runs are
# interleaved and repeated; medians are reported. Env: PIN=1 (default on >= 2 cores) puts the proxies
# on CPU 1 and h2load + the origin on CPU 0. The proxy is built from the committed HEAD in a scratch copy.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-5}
REPEATS=${2:-3}
WORK=$(mktemp -d /tmp/qmesh-h2-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for tool in h2load nginx taskset python3 curl; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y nghttp2-client nginx)" >&2; exit 1; }
done
PIN=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
if [ "$PIN" = 1 ]; then ON_LOAD=(taskset -c 0); ON_PROXY=(taskset -c 1); else ON_LOAD=(); ON_PROXY=(); fi

REVISION="$(git rev-parse --short HEAD)"
SRC="/tmp/qmesh-proxy-bench-build.$REVISION"   # the same scratch build bench/proxy-bench.sh uses
if [ ! -s "$SRC/cp.txt" ]; then
  rm -rf "$SRC"; mkdir -p "$SRC"
  git archive HEAD pom.xml mvnw .mvn proxy-service | tar -x -C "$SRC"
  (cd "$SRC" && ./mvnw -B -q -f proxy-service/pom.xml package -DskipTests \
    && ./mvnw -B -q -f proxy-service/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
         -Dmdep.outputFile="$SRC/cp.txt") > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; exit 1; }
fi
APP="$SRC/proxy-service/target"

read -r ORIGIN ORIGIN_H2 NGINX QMESH < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/1k"; chmod 644 "$WORK/1k"; mkdir -p "$WORK/logs"
cat > "$WORK/origin.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/origin.pid; error_log $WORK/logs/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$ORIGIN; listen 127.0.0.1:$ORIGIN_H2 http2; root $WORK; location / { try_files /1k =404; } } }
CONF
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive 128; }
  server { listen 127.0.0.1:$NGINX http2;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
"${ON_LOAD[@]}" nginx -p "$WORK" -c "$WORK/origin.conf" & PIDS+=($!)
"${ON_PROXY[@]}" nginx -p "$WORK" -c "$WORK/nginx.conf" & PIDS+=($!)
"${ON_LOAD[@]}" java -Xmx256m -cp "$APP/test-classes:$APP/classes:$(cat "$SRC/cp.txt")" \
  io.qmesh.proxy.testing.BenchControlPlane "$QMESH:$ORIGIN" > "$WORK/logs/cp.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 150); do grep -q '^ads ' "$WORK/logs/cp.log" && break; sleep 0.2; done
ADS=$(awk '/^ads / {print $2; exit}' "$WORK/logs/cp.log")
[ -n "$ADS" ] || { echo "bench control plane did not start" >&2; cat "$WORK/logs/cp.log" >&2; exit 1; }
POD_NAME=bench-h2 POD_NAMESPACE=default INSTANCE_IP=127.0.0.1 ISTIO_META_INTERCEPTION_MODE=NONE \
ISTIO_METAJSON_LABELS='{"app":"bench-h2"}' PROXY_PILOT_ADDRESS=127.0.0.1:$ADS PROXY_WORKER_THREADS=1 \
PROXY_ADMIN_PORT=0 PROXY_HEALTH_PORT=0 PROXY_PROMETHEUS_PORT=0 QUARKUS_LOG_CATEGORY__IO_QMESH_PROXY_ACCESS__LEVEL=WARN \
  "${ON_PROXY[@]}" java ${QMESH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m} -jar "$APP/quarkus-app/quarkus-run.jar" \
  > "$WORK/logs/qmesh.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 150); do curl -fs --http2-prior-knowledge -o /dev/null "http://127.0.0.1:$QMESH/" && break; sleep 0.2; done
for port in $ORIGIN_H2 $NGINX $QMESH; do
  test "$(curl -s --http2-prior-knowledge "http://127.0.0.1:$port/" | wc -c)" = 1024 \
    || { echo "port $port does not serve 1 KB over h2c" >&2; exit 1; }
done

# Warm-up (JIT), then interleaved runs. Each run prints "<target> <req/s> <mean ms> <failed>".
run() { # name port seconds
  "${ON_LOAD[@]}" h2load -c 16 -m 10 -t 1 -D "$3" --warm-up-time=1 "http://127.0.0.1:$2/" 2>&1 | awk -v n="$1" '
    /^finished in/ { for (i = 1; i <= NF; i++) if ($(i) ~ /req\/s/) rps = $(i - 1) }
    /^requests:/ { for (i = 1; i <= NF; i++) if ($(i) == "failed,") failed = $(i - 1) }
    /^time for request:/ { mean = $(6) }
    END { print n, rps, mean, failed }'
}
run qmesh "$QMESH" 10 > /dev/null   # JIT warm-up
for r in $(seq 1 "$REPEATS"); do
  run direct "$ORIGIN_H2" "$DUR"; run qmesh "$QMESH" "$DUR"; run nginx "$NGINX" "$DUR"
done > "$WORK/runs.txt"
echo "### h2c, 16 connections x 10 streams, 1 KB (revision $REVISION, PIN=$PIN, ${DUR}s x $REPEATS, medians)"
echo
echo "| target | req/s | mean latency | failed |"
echo "|---|---|---|---|"
python3 - "$WORK/runs.txt" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r[0], []).append(r)
def num(s):
    return float(''.join(c for c in s if c.isdigit() or c == '.') or 0)
for name in ("direct", "qmesh", "nginx"):
    rs = by.get(name, [])
    rps = statistics.median(num(r[1]) for r in rs)
    def ms(s):
        return num(s) / 1000 if s.endswith('us') else num(s) if s.endswith('ms') else num(s) * 1000
    lat = statistics.median(ms(r[2]) for r in rs)
    failed = sum(int(num(r[3])) for r in rs)
    print(f"| {name} | {rps:,.0f} | {lat:.2f} ms | {failed} |")
q = statistics.median(num(r[1]) for r in by["qmesh"]); n = statistics.median(num(r[1]) for r in by["nginx"])
print(f"\nqmesh / nginx = {q / n:.2f}")
PY
echo
echo "raw runs: $WORK/runs.txt"
