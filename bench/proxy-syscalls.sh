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
WORK=$(mktemp -d /tmp/qmesh-proxy-syscalls.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for tool in wrk nginx perf python3 curl; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y wrk nginx linux-perf)" >&2; exit 1; }
done

build() { # rev -> prints the scratch tree
  local src="/tmp/qmesh-proxy-bench-build.$1"
  if [ ! -s "$src/cp.txt" ]; then
    rm -rf "$src"; mkdir -p "$src"
    git archive "$1" pom.xml mvnw .mvn proxy-service | tar -x -C "$src"
    (cd "$src" && ./mvnw -B -q -f proxy-service/pom.xml package -DskipTests \
      && ./mvnw -B -q -f proxy-service/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
           -Dmdep.outputFile="$src/cp.txt") > "$WORK/build-$1.log" 2>&1 || { tail -30 "$WORK/build-$1.log" >&2; exit 1; }
  fi
  echo "$src"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ORIGIN=$(free_port)
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/1k"; chmod 644 "$WORK/1k"; mkdir -p "$WORK/logs"
cat > "$WORK/origin.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/origin.pid; error_log $WORK/logs/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$ORIGIN; root $WORK; location / { try_files /1k =404; } } }
CONF
nginx -p "$WORK" -c "$WORK/origin.conf" & PIDS+=($!)

declare -A PORT QPID
for rev in "$@"; do
  src=$(build "$rev")
  port=$(free_port)
  app="$src/proxy-service/target"
  java -Xmx128m -cp "$app/test-classes:$app/classes:$(cat "$src/cp.txt")" \
    io.qmesh.proxy.testing.BenchControlPlane "$port:$ORIGIN" > "$WORK/logs/cp-$rev.log" 2>&1 & PIDS+=($!)
  for _ in $(seq 1 150); do grep -q '^ads ' "$WORK/logs/cp-$rev.log" && break; sleep 0.2; done
  ads=$(awk '/^ads / {print $2; exit}' "$WORK/logs/cp-$rev.log")
  POD_NAME=bench-$rev POD_NAMESPACE=default INSTANCE_IP=127.0.0.1 ISTIO_META_INTERCEPTION_MODE=NONE \
  ISTIO_METAJSON_LABELS="{\"app\":\"bench\"}" PROXY_PILOT_ADDRESS=127.0.0.1:$ads PROXY_WORKER_THREADS=1 \
  PROXY_ADMIN_PORT=0 PROXY_HEALTH_PORT=0 PROXY_PROMETHEUS_PORT=0 QUARKUS_LOG_CATEGORY__IO_QMESH_PROXY_ACCESS__LEVEL=WARN \
    java $QMESH_JAVA_OPTS -jar "$app/quarkus-app/quarkus-run.jar" > "$WORK/logs/qmesh-$rev.log" 2>&1 &
  QPID[$rev]=$!; PIDS+=($!); PORT[$rev]=$port
  for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
  test "$(curl -s "http://127.0.0.1:$port/" | wc -c)" = 1024 || { echo "$rev does not proxy 1 KB" >&2; exit 1; }
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

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
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
