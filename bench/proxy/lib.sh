# Shared by the proxy bench scripts: source it right after `cd` to the repository root.
# Callers set ON_LOAD / ON_PROXY (command prefixes such as `taskset -c 0`, possibly empty) and
# QMESH_JAVA_OPTS before starting processes.

# bench_init <name>: a scratch directory WORK (with logs/), readable by nginx's unprivileged workers,
# and PIDS, whose processes are killed when the script exits.
bench_init() {
  WORK=$(mktemp -d "/tmp/qmesh-$1.XXXXXX")
  chmod 755 "$WORK"
  mkdir -p "$WORK/logs"
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
}

# require <apt-get hint> <tool>...: exits naming the packages when a tool is missing.
require() {
  local hint=$1 tool; shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y $hint)" >&2; exit 1; }
  done
}

# build_proxy <rev>: builds proxy-service of a committed revision in a scratch copy (other engineers edit
# the work tree and rebuild proxy-service/target meanwhile), once per revision and shared by every bench
# script. Sets SRC (with cp.txt, the test classpath) and APP (its target directory).
build_proxy() {
  SRC="/tmp/qmesh-proxy-bench-build.$(git rev-parse --short "$1")"
  if [ ! -s "$SRC/cp.txt" ]; then
    rm -rf "$SRC"; mkdir -p "$SRC"
    git archive "$1" pom.xml mvnw .mvn proxy-service | tar -x -C "$SRC"
    compile_proxy
  fi
  APP="$SRC/proxy-service/target"
}

# build_proxy_at_head: build_proxy HEAD, or with BENCH_TREE=1 the work tree as it is (uncommitted edits
# included, built in WORK). Sets REVISION too.
build_proxy_at_head() {
  if [ "${BENCH_TREE:-0}" = 1 ]; then
    SRC="$WORK/src"; mkdir -p "$SRC"
    tar -c pom.xml mvnw .mvn proxy-service/pom.xml proxy-service/src | tar -x -C "$SRC"
    compile_proxy
    APP="$SRC/proxy-service/target"
    REVISION="$(git rev-parse --short HEAD) + the work tree's uncommitted changes"
  else
    build_proxy HEAD
    REVISION="$(git rev-parse --short HEAD)"
  fi
}

compile_proxy() {
  (cd "$SRC" && ./mvnw -B -q -f proxy-service/pom.xml package -DskipTests \
    && ./mvnw -B -q -f proxy-service/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
         -Dmdep.outputFile="$SRC/cp.txt") > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; exit 1; }
}

# free_ports N: N loopback ports free right now, space-separated.
free_ports() {
  python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# start_origin <port> [h2c-port]: an nginx worker serving 1 KB with keep-alive (on ON_LOAD); $! is its pid.
start_origin() {
  head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/1k"; chmod 644 "$WORK/1k"
  cat > "$WORK/origin.conf" <<CONF
worker_processes 1; daemon off; pid $WORK/origin.pid; error_log $WORK/logs/origin.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$1; ${2:+listen 127.0.0.1:$2 http2;} root $WORK; location / { try_files /1k =404; } } }
CONF
  "${ON_LOAD[@]}" nginx -p "$WORK" -c "$WORK/origin.conf" &
  PIDS+=($!)
}

# start_control_plane <class> <args>...: one of the test-scoped bench control planes (on ON_LOAD), one
# ADS server per argument; sets ADS_PORTS to their ports, in order.
start_control_plane() {
  local class=$1 log; shift
  CONTROL_PLANES=$((${CONTROL_PLANES:-0} + 1)); log="$WORK/logs/cp-$CONTROL_PLANES.log"
  "${ON_LOAD[@]}" java -Xmx256m -cp "$APP/test-classes:$APP/classes:$(cat "$SRC/cp.txt")" \
    "io.qmesh.proxy.testing.$class" "$@" > "$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 150); do [ "$(grep -c '^ads ' "$log")" = $# ] && break; sleep 0.2; done
  read -r -a ADS_PORTS < <(awk '/^ads / {printf "%s ", $2} END {print ""}' "$log")
  [ "${#ADS_PORTS[@]}" = $# ] || { echo "bench control plane did not start" >&2; cat "$log" >&2; exit 1; }
}

# start_qmesh <name> <adsPort> [adminPort=0]: a qmesh proxy JVM (on ON_PROXY) with one event loop,
# explicit-proxy mode and access logs off; $! is its pid (taskset execs, so it is java's).
start_qmesh() {
  POD_NAME=bench-$1 POD_NAMESPACE=default INSTANCE_IP=127.0.0.1 ISTIO_META_INTERCEPTION_MODE=NONE \
  ISTIO_METAJSON_LABELS="{\"app\":\"bench-$1\"}" \
  PROXY_PILOT_ADDRESS=127.0.0.1:$2 PROXY_WORKER_THREADS=1 PROXY_ADMIN_PORT=${3:-0} PROXY_HEALTH_PORT=0 \
  PROXY_PROMETHEUS_PORT=0 QUARKUS_LOG_CATEGORY__IO_QMESH_PROXY_ACCESS__LEVEL=WARN \
    "${ON_PROXY[@]}" java $QMESH_JAVA_OPTS -jar "$APP/quarkus-app/quarkus-run.jar" > "$WORK/logs/qmesh-$1.log" 2>&1 &
  PIDS+=($!)
}

# serves_1k <curl option>... -- <port>...: waits up to 30 s for each port to answer, then exits unless
# every one serves the 1 KB body (curl options such as --http2-prior-knowledge go first).
serves_1k() {
  local opts=() port
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  for port in "$@"; do
    for _ in $(seq 1 150); do curl -fs "${opts[@]}" -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
    test "$(curl -s "${opts[@]}" "http://127.0.0.1:$port/" | wc -c)" = 1024 || { echo "port $port does not serve 1 KB" >&2; exit 1; }
  done
}

# Reads numbers on stdin, prints their median ("-" for none).
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# wrk's latencies (123.45us, 1.20ms, 2.00s) on stdin, in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}'; }
