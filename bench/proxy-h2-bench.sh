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
ROOT=$PWD
DUR=${1:-5}
REPEATS=${2:-3}
. "$ROOT/bench/proxy/lib.sh"
bench_init h2-bench
require "nghttp2-client nginx" h2load nginx taskset python3 curl
PIN=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
if [ "$PIN" = 1 ]; then ON_LOAD=(taskset -c 0); ON_PROXY=(taskset -c 1); else ON_LOAD=(); ON_PROXY=(); fi
QMESH_JAVA_OPTS=${QMESH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m}

build_proxy_at_head
read -r ORIGIN ORIGIN_H2 NGINX QMESH < <(free_ports 4)
start_origin "$ORIGIN" "$ORIGIN_H2"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive 128; }
  server { listen 127.0.0.1:$NGINX http2;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
"${ON_PROXY[@]}" nginx -p "$WORK" -c "$WORK/nginx.conf" & PIDS+=($!)
start_control_plane BenchControlPlane "$QMESH:$ORIGIN"
start_qmesh h2 "${ADS_PORTS[0]}"
serves_1k --http2-prior-knowledge -- "$ORIGIN_H2" "$NGINX" "$QMESH"

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
