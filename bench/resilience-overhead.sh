#!/usr/bin/env bash
# What the resilience features cost when configured but not triggering: requests/s and p99 through
# one qmesh proxy with circuit breakers (high limits), outlier detection and a local rate limit that
# never fires (a virtual-host bucket plus a wildcard descriptor on Host, so every request also builds
# a descriptor and looks up its bucket), and FallbackPolicy's constructs (the route goes through an
# aggregate cluster with the previous-priorities retry priority, and carries a custom_response local
# reply), as a ratio to the same proxy without them, side by side.
#
#   bench/resilience-overhead.sh [seconds-per-run=3] [repeats=15]
#
# Many short rounds rather than a few long ones: a shared machine drifts over minutes, and the median of
# per-round ratios only cancels what the two runs of a round share.
#
# Both proxies are configured over ADS by ResilienceBenchControlPlane (proxy-service tests), with the
# filter chain pilot always sends (fault, router) and one route to one EDS cluster: an nginx origin
# serving 1 KB with keep-alive. Each proxy has one event loop; with >= 2 cores both JVMs are pinned to
# CPU 1 and wrk + origin to CPU 0 (only one proxy is under load at a time). Runs alternate between the
# two proxies (the order flips every round) and are repeated; reported are medians and the median of
# the per-round ratios. 1) saturation: wrk, 16 connections; 2) fixed rate: ~1000 req/s (10 connections
# paced 10 ms apart, bench/proxy/paced.lua, under SCHED_FIFO unless FIXED_SCHED=none), where the p99
# is the latency a request sees. Also the proxy's CPU time per request, the steadiest of the three on a
# busy machine.
# The proxy is built from the committed HEAD in a scratch copy. Prints a markdown report on stdout.
# BENCH_AA=1 gives both proxies the plain configuration (an A/A run): the ratios then measure the bench
# itself (the second JVM, its admin port, its pinning), the baseline to read the A/B ratios against.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DUR=${1:-3}
REPEATS=${2:-15}
. "$ROOT/bench/proxy/lib.sh"
bench_init resilience-bench
require "wrk nginx util-linux" wrk nginx taskset python3 curl
if [ "$(nproc)" -ge 2 ]; then ON_LOAD=(taskset -c 0); ON_PROXY=(taskset -c 1); else ON_LOAD=(); ON_PROXY=(); fi
QMESH_JAVA_OPTS=${QMESH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m}

build_proxy_at_head
read -r ORIGIN PLAIN RES ADMIN < <(free_ports 4)
start_origin "$ORIGIN"
start_control_plane ResilienceBenchControlPlane "$PLAIN:$ORIGIN" "$RES:$ORIGIN"
start_qmesh plain "${ADS_PORTS[0]}"; PLAIN_PID=$!
start_qmesh resilient "${ADS_PORTS[1]}" "$ADMIN"; RES_PID=$!
serves_1k -- "$PLAIN" "$RES"
stat() { curl -s "http://127.0.0.1:$ADMIN/stats" | awk -v n="$1:" '$1 == n {print $2}'; }
if [ -z "${BENCH_AA:-}" ]; then
  [ "$(stat ratelimit_default_origin.http_local_rate_limit.ok)" -ge 1 ] \
    || { echo "the resilient proxy does not run the rate limit" >&2; exit 1; }
  curl -s "http://127.0.0.1:$ADMIN/clusters" | grep -q 'max_connections::100000' \
    || { echo "the resilient proxy has no circuit breakers" >&2; exit 1; }
fi

port_of() { case $1 in plain) echo "$PLAIN";; resilient) echo "$RES";; esac; }
pid_of() { case $1 in plain) echo "$PLAIN_PID";; resilient) echo "$RES_PID";; esac; }
# CPU seconds (user + system) the process has used so far: unlike req/s and latency, barely moved by
# other processes competing for the core.
cpu_seconds() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
# run <file-prefix> <target> <wrk args...>: appends req/s, p99 (ms) and the proxy's CPU us per request
run() {
  local out=$1 target=$2 o c0 c1 n; shift 2
  c0=$(cpu_seconds "$(pid_of "$target")")
  o=$("${ON_LOAD[@]}" "${WRK_PRE[@]}" wrk -t1 --latency "$@" "http://127.0.0.1:$(port_of "$target")/")
  c1=$(cpu_seconds "$(pid_of "$target")")
  n=$(echo "$o" | awk '/requests in/ {print $1}')
  echo "$c1 $c0 $n" | awk '{printf "%.1f\n", ($1 - $2) * 1e6 / $3}' >> "$out.cpureq"
  echo "$o" >> "$out.raw"
  echo "$o" | awk '/Requests\/sec/ {print $2}' >> "$out.rps"
  echo "$o" | awk '$1=="99%" {print $2}' | to_ms >> "$out.p99"
  if echo "$o" | grep -q 'Non-2xx\|Socket errors'; then echo "$o" | grep 'Non-2xx\|Socket errors' | sed "s/^/$target: /" >> "$WORK/errors.txt"; fi
}
ratio() { paste "$WORK/$1" "$WORK/$2" | awk '{printf "%.3f\n", $1 / $2}' | median; }

# warm-up: the JIT needs requests, not seconds
WARMUP=${WARMUP:-200000}
for t in plain resilient; do
  warm=0
  for _ in $(seq 1 40); do
    n=$("${ON_LOAD[@]}" wrk -t1 -c16 -d5s "http://127.0.0.1:$(port_of $t)/" | awk '/requests in/ {print $1}')
    warm=$((warm + n)); [ "$warm" -ge "$WARMUP" ] && break
  done
done
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
WRK_PRE=()
for r in $(seq 1 "$REPEATS"); do
  order="plain resilient"; [ $((r % 2)) = 0 ] && order="resilient plain"
  for t in $order; do run "$WORK/sat-$t" "$t" -c16 -d"${DUR}"s; done
done
# Fixed rate: at ~1000 req/s the bench needs little CPU, but on a busy machine its threads wait behind
# other builds' for it, which drowns the proxy's own latency; so, as bench/proxy-bench.sh does, every
# bench process (wrk, origin, both proxies, all threads) runs this phase under SCHED_FIFO priority 10.
if [ "${FIXED_SCHED:-fifo}" = fifo ]; then
  for p in $(pgrep -f "$WORK/origin.conf") $PLAIN_PID $RES_PID; do
    for t in /proc/$p/task/*; do chrt -f -p 10 "${t##*/}" > /dev/null; done
  done
  WRK_PRE=(chrt -f 10)
fi
for r in $(seq 1 "$REPEATS"); do
  order="plain resilient"; [ $((r % 2)) = 0 ] && order="resilient plain"
  for t in $order; do PACE_MS=10 run "$WORK/fix-$t" "$t" -c10 -d"$((DUR * 2))"s -s "$ROOT/bench/proxy/paced.lua"; done
done
OK=$(stat ratelimit_default_origin.http_local_rate_limit.ok); LIMITED=$(stat ratelimit_default_origin.http_local_rate_limit.rate_limited)
# The same features in-process, single-threaded (ResilienceHotPathBench): ns per request, which a busy
# machine inflates but cannot hide behind run-to-run noise as it does the end-to-end ratios.
for t in plain resilient; do kill "$(pid_of $t)" 2>/dev/null || true; done
HOT=$("${ON_PROXY[@]}" java $QMESH_JAVA_OPTS -cp "$APP/test-classes:$APP/classes:$(cat "$SRC/cp.txt")" \
  io.qmesh.proxy.testing.ResilienceHotPathBench)

{
if [ -n "${BENCH_AA:-}" ]; then echo "**A/A run (BENCH_AA=1): both proxies have the plain configuration**, so every ratio below is the bench's own bias and noise."; fi
echo "Command: \`bench/resilience-overhead.sh $DUR $REPEATS\`, $(date -u +%Y-%m-%dT%H:%MZ), qmesh at $REVISION."
echo "Machine: $(nproc) cores ($(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')), load average $LOADAVG before the runs (shared with other engineers' builds: compare the ratios, not the absolute numbers). $( [ ${#ON_PROXY[@]} -gt 0 ] && echo "Both proxies pinned to CPU 1, wrk and the origin to CPU 0.")"
echo "Both proxies: one event loop, \`$QMESH_JAVA_OPTS\`, warmed up with >= $WARMUP requests each. The resilient one counted $OK requests allowed and ${LIMITED:-0} rate limited by its local rate limit over the whole run."
echo
echo "| phase | plain req/s | resilient req/s | req/s resilient / plain | plain p99 ms | resilient p99 ms | p99 resilient / plain | plain CPU us/req | resilient CPU us/req | CPU resilient / plain |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for phase in sat fix; do
  label="saturation, 16 connections, ${DUR} s"; [ $phase = fix ] && label="~1000 req/s, 10 connections, $((DUR * 2)) s"
  echo "| $label | $(median < "$WORK/$phase-plain.rps" | xargs printf '%.0f') | $(median < "$WORK/$phase-resilient.rps" | xargs printf '%.0f') | $(ratio "$phase-resilient.rps" "$phase-plain.rps") | $(median < "$WORK/$phase-plain.p99") | $(median < "$WORK/$phase-resilient.p99") | $(ratio "$phase-resilient.p99" "$phase-plain.p99") | $(median < "$WORK/$phase-plain.cpureq") | $(median < "$WORK/$phase-resilient.cpureq") | $(ratio "$phase-resilient.cpureq" "$phase-plain.cpureq") |"
done
echo
echo "In-process cost per request (\`ResilienceHotPathBench\`, median of 9 x 2M, same JVM options, pinned like the proxies): $(echo "$HOT" | awk '{printf "%s%s %s ns and %s bytes allocated", (NR > 1 ? ", " : ""), $1, $2, $3}'); next to the proxy's $(median < "$WORK/sat-plain.cpureq") us of CPU per request that is $(echo "$HOT" | awk -v cpu="$(median < "$WORK/sat-plain.cpureq")" '{s += $2} END {printf "%.2f", s / (cpu * 10)}') %."
echo
echo "Medians of $REPEATS rounds; the ratios are medians of the per-round ratios (runs seconds apart). CPU us/req: the proxy JVM's user + system CPU time over the run divided by the requests wrk completed. $( [ "${FIXED_SCHED:-fifo}" = fifo ] && echo "The fixed-rate phase ran under SCHED_FIFO priority 10 (all bench processes and threads).")"
if [ -s "$WORK/errors.txt" ]; then echo "Errors reported by wrk:"; echo; sed 's/^/    /' "$WORK/errors.txt"; else echo "wrk reported no socket errors and no non-2xx responses."; fi
} | tee "$WORK/report.md"
echo "(raw wrk output and logs: $WORK)" >&2
