#!/usr/bin/env bash
# Throughput and added latency of qmesh's proxy next to nginx and haproxy, same origin, one run.
#
#   bench/proxy-bench.sh [seconds-per-run=5] [repeats=3]
#
# Env: PIN=1 (default on >= 2 cores) pins every proxy under test to CPU 1 and wrk + the origin to
# CPU 0, so each proxy gets the same single core and never fights the load generator for it; PIN=0
# lets the scheduler place everything. QMESH_JAVA_OPTS (default "-XX:+UseSerialGC -Xms64m -Xmx256m",
# the heap a sidecar container would be given). The proxy is built from the committed HEAD in a
# scratch copy (BENCH_TREE=1: from the work tree, uncommitted edits included).
#
# Origin: nginx serving a 1 KB file with keep-alive. Targets, all on loopback, ports chosen free:
#   direct   wrk -> origin
#   qmesh    wrk -> qmesh (JVM, 1 event loop, configured over ADS by BenchControlPlane) -> origin
#   nginx    wrk -> nginx (1 worker, upstream keepalive) -> origin
#   haproxy  wrk -> haproxy (1 thread, http-reuse always) -> origin
# and, for the fixed-rate run, two hops as a sidecar mesh has them:
#   qmesh x2 wrk -> qmesh "outbound" -> qmesh "inbound" -> origin (two JVMs)
#   nginx x2 wrk -> nginx -> nginx -> origin (two server blocks of the same worker)
# 1) Saturation: wrk at 16 and 64 connections; 2) fixed rate: wrk paced to ~1000 req/s
# (bench/proxy/paced.lua, 10 connections). Runs are interleaved across targets and repeated;
# medians are reported. Prints a markdown report on stdout (also kept in the work directory).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DUR=${1:-5}
REPEATS=${2:-3}
. "$ROOT/bench/proxy/lib.sh"
bench_init proxy-bench
require "wrk nginx haproxy util-linux" wrk nginx haproxy taskset python3 curl

PIN=${PIN:-$([ "$(nproc)" -ge 2 ] && echo 1 || echo 0)}
if [ "$PIN" = 1 ]; then
  LOAD_CPU=0; PROXY_CPU=1; WRK_THREADS=1
  ON_LOAD=(taskset -c $LOAD_CPU); ON_PROXY=(taskset -c $PROXY_CPU)
else
  WRK_THREADS=2; ON_LOAD=(); ON_PROXY=()
fi
# Prefixes, not functions: "${ON_PROXY[@]}" cmd & leaves $! = the pid of cmd itself (taskset execs).
QMESH_JAVA_OPTS=${QMESH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m}

build_proxy_at_head
read -r ORIGIN NGINX NGINX2 HAPROXY QIN QOUT < <(free_ports 6)

# ---- origin and reference proxies (temporary configs)
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/logs/nginx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive 128; }
  upstream hop1 { server 127.0.0.1:$NGINX; keepalive 128; }
  server { listen 127.0.0.1:$NGINX;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:$NGINX2;
    location / { proxy_pass http://hop1; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:$HAPROXY
  default_backend be
backend be
  http-reuse always
  server origin 127.0.0.1:$ORIGIN
CONF
start_origin "$ORIGIN"; ORPID=$!
"${ON_PROXY[@]}" nginx -p "$WORK" -c "$WORK/nginx.conf" & NGPID=$!; PIDS+=($NGPID)
"${ON_PROXY[@]}" haproxy -f "$WORK/haproxy.cfg" -db > "$WORK/logs/haproxy.log" 2>&1 & HAPID=$!; PIDS+=($HAPID)

# ---- qmesh: one control plane JVM serving two proxies (inbound: QIN -> origin; outbound: QOUT -> QIN)
start_control_plane BenchControlPlane "$QIN:$ORIGIN" "$QOUT:$QIN"
start_qmesh in "${ADS_PORTS[0]}"; QPID=$!
start_qmesh out "${ADS_PORTS[1]}"; QOUTPID=$!
serves_1k -- "$ORIGIN" "$NGINX" "$NGINX2" "$HAPROXY" "$QIN" "$QOUT"

# ---- helpers
# CPU seconds (user + system) of a process and its children, and their summed peak RSS in MB.
tree_pids() { echo "$1"; local c; for c in $(pgrep -P "$1"); do tree_pids "$c"; done; }
cpu_seconds() { local t=0 p; for p in "$@"; do for q in $(tree_pids "$p"); do
  t=$(awk -v t="$t" '{print t + ($14 + $15) / 100}' "/proc/$q/stat"); done; done; echo "$t"; }
peak_rss_mb() { local t=0 p; for p in "$@"; do for q in $(tree_pids "$p"); do
  t=$(awk -v t="$t" '/VmHWM/ {print t + $2 / 1024}' "/proc/$q/status"); done; done; printf '%.0f' "$t"; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }
port_of() { case $1 in direct) echo $ORIGIN;; qmesh) echo $QIN;; qmesh2) echo $QOUT;; nginx) echo $NGINX;; nginx2) echo $NGINX2;; haproxy) echo $HAPROXY;; esac; }
pids_of() { case $1 in direct) echo "";; qmesh) echo $QPID;; qmesh2) echo "$QPID $QOUTPID";; nginx|nginx2) echo $NGPID;; haproxy) echo $HAPID;; esac; }

# run <file-prefix> <target> <wrk args...>: one wrk run; appends rps, p50, p99 (ms), CPU s and CPU us/request
run() {
  local out=$1 target=$2; shift 2
  local pids c0 c1 o; pids=$(pids_of "$target")
  c0=$([ -n "$pids" ] && cpu_seconds $pids || echo 0)
  o=$("${ON_LOAD[@]}" "${WRK_PRE[@]}" wrk -t$WRK_THREADS --latency "$@" "http://127.0.0.1:$(port_of "$target")/")
  c1=$([ -n "$pids" ] && cpu_seconds $pids || echo 0)
  echo "$o" >> "$out.raw"
  echo "$o" | awk '/Requests\/sec/ {print $2}' >> "$out.rps"
  echo "$o" | awk '$1=="50%" {print $2}' | to_ms >> "$out.p50"
  echo "$o" | awk '$1=="99%" {print $2}' | to_ms >> "$out.p99"
  echo "$c1 $c0" | awk '{print $1 - $2}' >> "$out.cpu"
  local n; n=$(echo "$o" | awk '/requests in/ {print $1}')
  echo "$c1 $c0 $n" | awk '{printf "%.1f\n", ($1 - $2) * 1e6 / $3}' >> "$out.cpureq"
  if echo "$o" | grep -q 'Non-2xx\|Socket errors'; then echo "$o" | grep 'Non-2xx\|Socket errors' | sed "s/^/$target: /" >> "$WORK/errors.txt"; fi
}
med() { median < "$WORK/$1"; }

# ---- warm-up: JIT for the JVMs (both hops), a little traffic for the others
# The JIT needs requests, not seconds: on a busy machine 10 s may be a few thousand requests.
WARMUP=${WARMUP:-200000}
warm=0
for _ in $(seq 1 40); do
  n=$("${ON_LOAD[@]}" wrk -t$WRK_THREADS -c64 -d5s "http://127.0.0.1:$QOUT/" | awk '/requests in/ {print $1}')
  warm=$((warm + n)); [ "$warm" -ge "$WARMUP" ] && break
done
"${ON_LOAD[@]}" wrk -t$WRK_THREADS -c64 -d10s "http://127.0.0.1:$QIN/" > /dev/null
for p in $ORIGIN $NGINX $NGINX2 $HAPROXY; do "${ON_LOAD[@]}" wrk -t$WRK_THREADS -c16 -d2s "http://127.0.0.1:$p/" > /dev/null; done
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

WRK_PRE=()
# ---- 1) saturation
SAT_TARGETS="direct qmesh nginx haproxy"
SAT_ROUNDS=$REPEATS; [ "${SKIP_SATURATION:-0}" = 1 ] && SAT_ROUNDS=0   # SKIP_SATURATION=1: fixed rate only
for r in $(seq 1 "$SAT_ROUNDS"); do
  for c in 16 64; do
    for t in $SAT_TARGETS; do run "$WORK/sat-$t-$c" "$t" -c$c -d${DUR}s; done
  done
done
# ---- 2) fixed rate, ~1000 req/s. At this rate the whole bench uses a few % of a core, but on a
# busy shared machine its threads wait behind other builds' for the CPU (milliseconds, tens at the
# p99), which drowns the proxy's own latency. So for this phase every bench process (all targets
# alike: wrk, origin, every proxy, all their threads) gets FIXED_SCHED: "fifo" (default: SCHED_FIFO
# priority 10, so a wakeup preempts the other builds at once; the kernel's RT throttling still leaves
# them 5 %), "nice" (nice -10) or "none".
FIXED_SCHED=${FIXED_SCHED:-fifo}
case $FIXED_SCHED in
  fifo) boost_tid() { chrt -f -p 10 "$1" > /dev/null; }; WRK_PRE=(chrt -f 10);;
  nice) boost_tid() { renice -n -10 -p "$1" > /dev/null; }; WRK_PRE=(nice -n -10);;
  *) boost_tid() { :; };;
esac
for p in $ORPID $NGPID $HAPID $QPID $QOUTPID; do
  for q in $(tree_pids "$p"); do
    for t in /proc/$q/task/*; do boost_tid "${t##*/}"; done
  done
done
FIX_TARGETS="direct qmesh qmesh2 nginx nginx2 haproxy"
FIX_DUR=$((DUR * 2))
for r in $(seq 1 "$REPEATS"); do
  for t in $FIX_TARGETS; do
    PACE_MS=10 run "$WORK/fix-$t" "$t" -c10 -d${FIX_DUR}s -s "$ROOT/bench/proxy/paced.lua"
  done
done

# ---- report
{
echo "Command: \`bench/proxy-bench.sh $DUR $REPEATS\`, $(date -u +%Y-%m-%dT%H:%MZ), qmesh at $REVISION."
echo "Machine: $(nproc) cores ($(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), Linux $(uname -r), load average $LOADAVG before the runs; shared with other engineers' builds, so absolute numbers are noisy: compare the ratios."
if [ "$PIN" = 1 ]; then
  echo "Pinning: every proxy under test on CPU $PROXY_CPU, wrk (1 thread) and the origin on CPU $LOAD_CPU (\`taskset\`), so each proxy gets the same one core and none competes with the load generator."
else
  echo "No pinning: wrk (2 threads), the origin and the proxies share all cores."
fi
echo "Each proxy has one worker: qmesh \`PROXY_WORKER_THREADS=1\` ($(java -version 2>&1 | head -1 | cut -d'"' -f2), \`$QMESH_JAVA_OPTS\`, $(grep -o 'started ([a-z]*)' "$WORK/logs/qmesh-in.log" | head -1 | tr -d '()' | sed 's/started //') transport, access log off, warmed up with $warm requests through both JVMs and 10 s on the inbound one before measuring), nginx $(nginx -v 2>&1 | cut -d/ -f2) \`worker_processes 1\` with upstream keepalive, haproxy $(haproxy -v | head -1 | awk '{print $3}') \`nbthread 1\` with \`http-reuse always\`; nginx and haproxy log nothing either."
echo
if [ "$SAT_ROUNDS" -gt 0 ]; then
echo "### Saturation: wrk, 1 KB responses, keep-alive, ${DUR} s per run, median of $REPEATS"
echo
echo "| conns | target | req/s | qmesh / this (median of per-round ratios) | p50 ms | p99 ms | proxy CPU us/req |"
echo "|---|---|---|---|---|---|---|"
for c in 16 64; do
  for t in $SAT_TARGETS; do
    rps=$(med "sat-$t-$c.rps")
    # qmesh's req/s over this target's in the same round (runs seconds apart), median over rounds:
    # steadier than a ratio of medians when the machine's load drifts.
    ratio=$([ "$t" = qmesh ] || [ "$t" = direct ] && echo "" \
      || paste "$WORK/sat-qmesh-$c.rps" "$WORK/sat-$t-$c.rps" | awk '{printf "%.2f\n", $1 / $2}' | median)
    cpu=$([ "$t" = direct ] && echo "" || med "sat-$t-$c.cpureq")
    echo "| $c | $t | $(calc "%.0f" "$rps") | $ratio | $(med "sat-$t-$c.p50") | $(med "sat-$t-$c.p99") | $cpu |"
  done
done
echo
total_cpu() { cat "$WORK"/sat-$1-*.cpu | awk '{s += $1} END {printf "%.1f", s}'; }
echo "Proxy CPU seconds over all saturation runs ($((2 * REPEATS)) x ${DUR} s each): qmesh $(total_cpu qmesh), nginx $(total_cpu nginx), haproxy $(total_cpu haproxy)."
fi
echo "Peak RSS (VmHWM, process tree) at the end of the run: qmesh $(peak_rss_mb $QPID) MB (the outbound JVM: $(peak_rss_mb $QOUTPID) MB), nginx $(peak_rss_mb $NGPID) MB (master + worker, both server blocks), haproxy $(peak_rss_mb $HAPID) MB."
echo
echo "### Fixed rate: ~1000 req/s (wrk, 10 connections paced 10 ms apart), ${FIX_DUR} s per run, median of $REPEATS"
echo
case $FIXED_SCHED in
  fifo) echo "All bench processes (wrk, origin, every proxy, every thread) ran this phase under SCHED_FIFO priority 10 (\`chrt\`), so that they do not wait behind other builds' threads for the CPU; the added latency is the target's p50/p99 minus direct's.";;
  nice) echo "All bench processes (wrk, origin, every proxy, every thread) ran this phase at nice -10; the added latency is the target's p50/p99 minus direct's.";;
esac
echo
echo "| target | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | proxy CPU % of a core |"
echo "|---|---|---|---|---|---|---|"
d50=$(med fix-direct.p50); d99=$(med fix-direct.p99)
for t in $FIX_TARGETS; do
  p50=$(med "fix-$t.p50"); p99=$(med "fix-$t.p99")
  a50=""; a99=""; share=""
  if [ "$t" != direct ]; then
    a50=$(calc "%.3f" "$p50 - $d50"); a99=$(calc "%.3f" "$p99 - $d99")
    share=$(calc "%.1f" "100 * $(med "fix-$t.cpu") / $FIX_DUR")
  fi
  label=$t; case $t in qmesh2) label="qmesh, two hops";; nginx2) label="nginx, two hops";; esac
  echo "| $label | $(calc "%.0f" "$(med "fix-$t.rps")") | $p50 | $p99 | $a50 | $a99 | $share |"
done
echo
if [ -s "$WORK/errors.txt" ]; then echo "Errors reported by wrk:"; echo; sed 's/^/    /' "$WORK/errors.txt"; else echo "wrk reported no socket errors and no non-2xx responses."; fi
} | tee "$WORK/report.md"
echo "(raw wrk output and logs: $WORK)" >&2
