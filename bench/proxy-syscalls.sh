#!/usr/bin/env bash
# Syscalls and CPU per proxied request for one or more qmesh proxy builds: the hot-path view that a
# loaded shared machine does not blur (syscall counts per request do not depend on the load).
#
#   bench/proxy-syscalls.sh <rev> [<rev>...]     e.g. bench/proxy-syscalls.sh 8116ad3 9b1bc52
#
# Each <rev> is a commit whose proxy-service is built in /tmp/qmesh-proxy-bench-build.<rev> (the
# scratch tree bench/proxy-bench.sh makes; built here from `git archive <rev>` if missing). For each:
# one qmesh JVM (1 event loop, access log off, QMESH_JAVA_OPTS as in proxy-bench.sh) configured over
# ADS by BenchControlPlane in front of an nginx origin serving 1 KB; warm-up (WARMUP=200000 requests
# each); then ROUNDS (3) runs of `wrk -c64` for DUR (10) seconds under `perf stat` counting the proxy's syscalls (all, epoll_ctl,
# epoll_wait, the read and write families), and the proxy's CPU time from /proc. Builds are measured
# round by round, interleaved, and the medians reported. Needs wrk, nginx, perf (linux-perf), root
# for the syscall tracepoints.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { sed -n 2,14p "$0" >&2; exit 2; }
DUR=${DUR:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-200000}
QMESH_JAVA_OPTS=${QMESH_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m}
. bench/proxy/lib.sh
bench_init proxy-syscalls
require "wrk nginx linux-perf" wrk nginx perf python3 curl
ON_LOAD=(); ON_PROXY=()
read -r ORIGIN < <(free_ports 1)
start_origin "$ORIGIN"

declare -A PORT QPID
for rev in "$@"; do
  build_proxy "$rev"
  read -r port < <(free_ports 1)
  start_control_plane BenchControlPlane "$port:$ORIGIN"
  start_qmesh "$rev" "${ADS_PORTS[0]}"
  QPID[$rev]=$!; PORT[$rev]=$port
  serves_1k -- "$port"
done
# Warm-up by requests, not seconds (the JIT needs requests; a busy machine serves few per second),
# every JVM after all have started, so that no JVM's start-up falls into another's warm-up.
for rev in "$@"; do
  warm=0
  for _ in $(seq 1 60); do
    n=$(wrk -t1 -c64 -d5s "http://127.0.0.1:${PORT[$rev]}/" | awk '/requests in/ {print $1}')
    warm=$((warm + n)); [ "$warm" -ge "$WARMUP" ] && break
  done
  echo "$rev warmed up with $warm requests" >> "$WORK/warmup.txt"
done

cpu_seconds() { local t=0 q; for q in "$1" $(pgrep -P "$1"); do
  t=$(awk -v t="$t" '{print t + ($14 + $15) / 100}' "/proc/$q/stat"); done; echo "$t"; }
EVENTS=raw_syscalls:sys_enter,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait
EVENTS=$EVENTS,syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_recvfrom
EVENTS=$EVENTS,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg
for r in $(seq 1 "$ROUNDS"); do
  for rev in "$@"; do
    c0=$(cpu_seconds "${QPID[$rev]}")
    perf stat -x, -e "$EVENTS" -p "${QPID[$rev]}" -o "$WORK/perf-$rev-$r.csv" -- \
      wrk -t1 -c64 -d${DUR}s "http://127.0.0.1:${PORT[$rev]}/" > "$WORK/wrk-$rev-$r.txt"
    c1=$(cpu_seconds "${QPID[$rev]}")
    n=$(awk '/requests in/ {print $1}' "$WORK/wrk-$rev-$r.txt")
    awk -F, -v n="$n" -v cpu="$(echo "$c1 $c0" | awk '{print $1 - $2}')" '
      $3 ~ /raw_syscalls/ {all=$1} $3 ~ /epoll_ctl/ {ctl=$1} $3 ~ /epoll_(p)?wait/ {wait+=$1}
      $3 ~ /enter_(read|readv|recvfrom)$/ {rd+=$1} $3 ~ /enter_(write|writev|sendto|sendmsg)$/ {wr+=$1}
      END {printf "%d %.1f %.2f %.2f %.2f %.2f %.2f\n", n, cpu*1e6/n, all/n, ctl/n, wait/n, rd/n, wr/n}' \
      "$WORK/perf-$rev-$r.csv" >> "$WORK/res-$rev"
  done
done

echo "Command: \`bench/proxy-syscalls.sh $*\` (DUR=$DUR, ROUNDS=$ROUNDS, WARMUP=$WARMUP), $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (shared machine). $(tr '\n' ';' < "$WORK/warmup.txt")"
echo
echo "| build | req/s | proxy CPU us/req | syscalls/req | epoll_ctl/req | epoll_(p)wait/req | reads/req | writes/req |"
echo "|---|---|---|---|---|---|---|---|"
for rev in "$@"; do
  f="$WORK/res-$rev"
  printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n" "$rev" \
    "$(awk -v d="$DUR" '{print int($1 / d)}' "$f" | median)" "$(cut -d' ' -f2 "$f" | median)" \
    "$(cut -d' ' -f3 "$f" | median)" "$(cut -d' ' -f4 "$f" | median)" "$(cut -d' ' -f5 "$f" | median)" \
    "$(cut -d' ' -f6 "$f" | median)" "$(cut -d' ' -f7 "$f" | median)"
done
