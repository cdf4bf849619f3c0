#!/usr/bin/env bash
# qmesh up, measured (docs/benchmarks.md, section "qmesh: the whole mesh on one machine"):
#   1. time from `qmesh up` to the first 200 from /productpage through the ingress;
#   2. total RSS of the fourteen processes once up;
#   3. /productpage latency at a fixed rate through the mesh (ingress -> sidecars) vs the same six
#      workloads without sidecars (bookinfo-demo/run-local.sh), alternating ROUNDS times, medians reported.
# Both setups route reviews to v3 (productpage -> details, reviews v3 -> ratings) and run with the same JVM
# options. Needs hey. The machine is shared and noisy: compare the ratio, not the absolute numbers.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
subnet="${SUBNET:-127.0.77}"
rate="${RATE:-20}"            # requests per second in total (2 workers x RATE/2)
duration="${DURATION:-20s}"
rounds="${ROUNDS:-3}"
out="$root/qmesh-cli/target/bench"
export QMESH_RUN_DIR="$out/run"
export QMESH_JAVA_OPTS="${QMESH_JAVA_OPTS:--XX:+UseSerialGC -Xmx128m}"
export JAVA_OPTS="$QMESH_JAVA_OPTS"
mkdir -p "$out"
qmesh="$root/qmesh"

cleanup() {
  "$qmesh" down >/dev/null 2>&1 || true
  [ -n "${local_pid:-}" ] && kill "$local_pid" 2>/dev/null && wait "$local_pid" 2>/dev/null || true
}
trap cleanup EXIT

echo "== qmesh up (subnet $subnet, JVM options: $QMESH_JAVA_OPTS)"
start=$(date +%s.%N)
"$qmesh" up --subnet "$subnet" --reset >"$out/up.log" 2>&1 &
until curl -s -o /dev/null -w '%{http_code}' "http://$subnet.1:8080/productpage" 2>/dev/null | grep -q 200; do
  sleep 0.2
done
first200=$(echo "$(date +%s.%N) - $start" | bc)
until grep -q "qmesh is up" "$out/up.log"; do sleep 0.2; done
printf 'time from qmesh up to the first 200 from /productpage: %.1f s\n' "$first200"

rss_kb=0
for pid in $(grep -o '"pid" : [0-9]*' "$QMESH_RUN_DIR/state.json" | grep -o '[0-9]*$'); do
  rss_kb=$((rss_kb + $(ps -o rss= -p "$pid" 2>/dev/null || echo 0)))
done
printf 'total RSS of the 14 processes (just up): %d MiB\n' $((rss_kb / 1024))

"$qmesh" apply -f "$root/deploy/samples/destination-rule-all.yaml" -f "$root/deploy/samples/virtual-service-reviews-v3.yaml" >/dev/null

echo "== bookinfo without sidecars (run-local.sh, reviews v3)"
REVIEWS_VERSION=v3 "$root/bookinfo-demo/run-local.sh" >"$out/run-local.log" 2>&1 &
local_pid=$!
until grep -qs "bookinfo is up" "$out/run-local.log"; do sleep 0.5; done

mesh_url="http://$subnet.1:8080/productpage"
direct_url="http://127.0.0.1:9080/productpage"
for url in "$mesh_url" "$direct_url"; do   # warm both up (JIT) before measuring
  hey -z 15s -c 2 -q $((rate / 2)) "$url" >/dev/null
done
grep -q 'stars-red' <(curl -s "$mesh_url") && grep -q 'stars-red' <(curl -s "$direct_url") \
  || { echo "both setups must serve reviews v3 (red stars)" >&2; exit 1; }

measure() { # url -> "p50_ms p99_ms ok_count"
  hey -z "$duration" -c 2 -q $((rate / 2)) "$1" > "$out/hey.txt"
  p50=$(awk '/ 50% in/ {print $3*1000}' "$out/hey.txt")
  p99=$(awk '/ 99% in/ {print $3*1000}' "$out/hey.txt")
  ok=$(awk '/\[200\]/ {print $2}' "$out/hey.txt")
  echo "$p50 $p99 ${ok:-0}"
}
: > "$out/rounds.txt"
for r in $(seq 1 "$rounds"); do
  m=$(measure "$mesh_url"); d=$(measure "$direct_url")
  echo "round $r: mesh p50/p99/ok $m | direct $d" | tee -a "$out/rounds.txt"
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mp50=$(awk '{print $5}' "$out/rounds.txt" | median); mp99=$(awk '{print $6}' "$out/rounds.txt" | median)
dp50=$(awk '{print $10}' "$out/rounds.txt" | median); dp99=$(awk '{print $11}' "$out/rounds.txt" | median)
echo "== /productpage at $rate req/s, $duration x $rounds rounds, medians"
printf 'through the mesh (ingress, 7 sidecar passes per page): p50 %.1f ms, p99 %.1f ms\n' "$mp50" "$mp99"
printf 'without sidecars:                                   p50 %.1f ms, p99 %.1f ms\n' "$dp50" "$dp99"
printf 'ratio mesh/direct: p50 %.2f, p99 %.2f\n' "$(echo "$mp50 / $dp50" | bc -l)" "$(echo "$mp99 / $dp99" | bc -l)"
