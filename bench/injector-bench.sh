#!/usr/bin/env bash
# Admission latency and throughput of the qmesh injector webhook, over HTTPS on loopback.
#
#   bench/injector-bench.sh            build the injector, then measure
#   SKIP_BUILD=1 bench/injector-bench.sh
#   ROUNDS=5 SECONDS_PER_RUN=20 WARMUP_REQUESTS=40000 bench/injector-bench.sh
#
# Starts the real injector jar (it generates its CA and serving certificate, as in a cluster
# without a mounted Secret) and sends it AdmissionReviews for:
#   typical: bookinfo reviews-v1 as the ReplicaSet controller creates it (gets a sidecar)
#   skipped: the same pod opted out (the baseline: decode, policy check, encode; no render, no diff)
# Per round and per pod, side by side:
#   - latency at a fixed 200 requests/s, two ways:
#     due-time: bench/injector/AdmissionLoad.java, an open-loop client (32 workers, HTTP/1.1
#       keep-alive, TLS verified against the injector's CA) recording into HdrHistogram the time
#       from each request's due time to its response, so stalls count (no coordinated omission);
#     service-time: hey -c 4 -q 50 (4 keep-alive connections x 50 req/s), which times each
#       request from when it is sent and skips the ticks it missed while waiting
#   - throughput at saturation: hey -c 16 (closed loop, 16 connections, no rate limit)
#   - server CPU per admission: the injector process's user+system CPU time during the saturation
#     run divided by the requests it answered (from /proc; the least load-sensitive figure here)
# Reports the median over ROUNDS of each figure, every round's value, and typical/skipped ratios.
# Only 127.0.0.1 is used. Client and server share the machine's cores (and, on a shared build
# machine, everyone else's): the load average is printed before and after; read the figures as such.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18017}
RATE=${RATE:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
ROUNDS=${ROUNDS:-3}
WARMUP_REQUESTS=${WARMUP_REQUESTS:-20000}
SATURATION_CONNECTIONS=${SATURATION_CONNECTIONS:-16}

for tool in hey java javac curl jq base64; do
  command -v "$tool" >/dev/null || { echo "injector-bench: $tool is required" >&2; exit 1; }
done
if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -pl injector-service -am package -DskipTests
fi
jar=injector-service/target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || { echo "injector-bench: $jar missing (build first)" >&2; exit 1; }

# HdrHistogram at the version the root pom manages.
hdr_version=$(sed -n 's:.*<hdrhistogram.version>\(.*\)</hdrhistogram.version>.*:\1:p' pom.xml)
hdr_jar=$HOME/.m2/repository/org/hdrhistogram/HdrHistogram/$hdr_version/HdrHistogram-$hdr_version.jar
if [ ! -f "$hdr_jar" ]; then
  ./mvnw -B -q dependency:get -Dartifact="org.hdrhistogram:HdrHistogram:$hdr_version" -Dtransitive=false
fi

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

javac -d "$work/classes" -cp "$hdr_jar" bench/injector/AdmissionLoad.java

java -Xmx256m -Dquarkus.http.ssl-port="$PORT" -Dquarkus.http.host=127.0.0.1 \
  -Dinjector.certs.mounted-dir="$work/none" -Dinjector.certs.generated-dir="$work/certs" \
  -Dinjector.registration.patch-ca-bundle=false -Dinjector.native-sidecars=true \
  -jar "$jar" >"$work/injector.log" 2>&1 &
pid=$!

url="https://localhost:$PORT/inject"
ca="$work/certs/ca.crt"
body() { echo "bench/injector/admission-review-$1.json"; }
post() { curl -sf --cacert "$ca" -H 'Content-Type: application/json' --data-binary @"$(body "$1")" "$url"; }

# Wait for the server, then check both bodies: the typical pod gets a patch that only adds
# (applied, it must carry the sidecar), the skipped one is allowed without a patch.
for _ in $(seq 1 120); do
  if [ -f "$ca" ] && post typical >"$work/typical.json" 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/injector.log" >&2; exit 1; }
  sleep 0.5
done
jq -e '.response.allowed == true and .response.patchType == "JSONPatch"' "$work/typical.json" >/dev/null \
  || { echo "injector-bench: no patch for the typical pod" >&2; cat "$work/typical.json" >&2; exit 1; }
jq -r .response.patch "$work/typical.json" | base64 -d >"$work/patch.json"
jq -e 'all(.[]; .op == "add") and any(.[]; .path == "/spec/initContainers")' "$work/patch.json" >/dev/null \
  || { echo "injector-bench: unexpected patch:" >&2; cat "$work/patch.json" >&2; exit 1; }
post skipped | jq -e '.response.allowed == true and (.response | has("patch") | not)' >/dev/null \
  || { echo "injector-bench: the skipped pod must be allowed without a patch" >&2; exit 1; }

# hey sends the URL's host:port as TLS SNI, which the JDK rejects as an illegal server name;
# -host sets both the Host header and the SNI to a plain name. hey does not verify certificates.
hey_url="https://127.0.0.1:$PORT/inject"
run_hey() { # out-file, pod, extra hey args...
  local out=$1 pod=$2; shift 2
  hey -host localhost -m POST -T application/json -D "$(body "$pod")" "$@" "$hey_url" >"$out"
  if grep -E '^\s+\[[0-9]+\]' "$out" | grep -v -q '\[200\]' || grep -q 'Error distribution' "$out"; then
    echo "injector-bench: hey saw errors:" >&2; sed -n '/Status code/,$p' "$out" >&2; exit 1
  fi
}
rps() { awk '/Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
answered() { awk '/responses/ { n += $2 } END { print n + 0 }' "$1"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)
load() { # pod -> "p50 p90 p99 p999 max count errors rps" in microseconds; errors are reported, not fatal
  java -cp "$work/classes:$hdr_jar" AdmissionLoad --url "$url" --ca "$ca" --body "$(body "$1")" \
    --rate "$RATE" --seconds "$SECONDS_PER_RUN" --warmup 10 --workers 32 2>>"$work/load-errors.txt" || true
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); $(java -version 2>&1 | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm up by count, not time: the JIT needs some ten thousand injections before the figures settle
# (the first thousand cost tens of milliseconds each), however slowly a loaded machine serves them.
echo "warm-up: $WARMUP_REQUESTS requests per pod at saturation..."
for pod in typical skipped; do
  run_hey "$work/warmup-$pod.txt" "$pod" -n "$WARMUP_REQUESTS" -c "$SATURATION_CONNECTIONS"
done

hey_us() { awk -v p="$1%" '$1 == p && $2 == "in" { printf "%.0f", $3 * 1e6 }' "$2"; }
declare -A p50 p99 p999 errs h50 h99 sat cpu
for round in $(seq 1 "$ROUNDS"); do
  for pod in typical skipped; do
    figures=$(load "$pod")
    read -r l50 _ l99 l999 _ count errors achieved <<<"$figures"
    p50[$pod]+="$l50 "; p99[$pod]+="$l99 "; p999[$pod]+="$l999 "; errs[$pod]+="$errors "
    run_hey "$work/rate-$pod-$round.txt" "$pod" -z "${SECONDS_PER_RUN}s" -c 4 -q $((RATE / 4))
    h50[$pod]+="$(hey_us 50 "$work/rate-$pod-$round.txt") "; h99[$pod]+="$(hey_us 99 "$work/rate-$pod-$round.txt") "
    before=$(cpu_ticks)
    run_hey "$work/sat-$pod-$round.txt" "$pod" -z "${SECONDS_PER_RUN}s" -c "$SATURATION_CONNECTIONS"
    per_request_us=$(awk -v t=$(($(cpu_ticks) - before)) -v hz="$ticks_per_second" -v n="$(answered "$work/sat-$pod-$round.txt")" \
      'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
    sat[$pod]+="$(rps "$work/sat-$pod-$round.txt") "; cpu[$pod]+="$per_request_us "
    echo "round $round $pod: at $RATE/s due-time p50 ${l50}us p99 ${l99}us p99.9 ${l999}us ($count ok, $errors errors, ${achieved}/s);" \
      "hey -q p50 $(hey_us 50 "$work/rate-$pod-$round.txt")us p99 $(hey_us 99 "$work/rate-$pod-$round.txt")us ($(rps "$work/rate-$pod-$round.txt")/s);" \
      "saturation $(rps "$work/sat-$pod-$round.txt") req/s, server CPU ${per_request_us}us/request"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
printf '\nmedian of %s rounds of %ss; latency at %s req/s; saturation with hey -c %s\n' \
  "$ROUNDS" "$SECONDS_PER_RUN" "$RATE" "$SATURATION_CONNECTIONS"
printf '%-8s | %-27s | %-15s | %12s %14s\n' "" "due-time (HdrHistogram) ms" "hey -q ms" "" ""
printf '%-8s | %8s %8s %9s | %7s %7s | %12s %14s\n' pod p50 p99 p99.9 p50 p99 "saturation/s" "CPU ms/request"
for pod in typical skipped; do
  printf '%-8s | %8s %8s %9s | %7s %7s | %12s %14s\n' "$pod" "$(ms "$(median "${p50[$pod]}")")" "$(ms "$(median "${p99[$pod]}")")" \
    "$(ms "$(median "${p999[$pod]}")")" "$(ms "$(median "${h50[$pod]}")")" "$(ms "$(median "${h99[$pod]}")")" \
    "$(median "${sat[$pod]}")" "$(ms "$(median "${cpu[$pod]}")")"
done
echo "client errors (median per run): typical $(median "${errs[typical]}"), skipped $(median "${errs[skipped]}")"
[ ! -s "$work/load-errors.txt" ] || { echo "first client errors:"; grep -v '^\s*at ' "$work/load-errors.txt" | head -3; }
awk -v a="$(median "${p99[typical]}")" -v b="$(median "${p99[skipped]}")" \
    -v c="$(median "${sat[typical]}")" -v d="$(median "${sat[skipped]}")" \
  'BEGIN { printf "\ntypical/skipped: p99 latency x%.2f, saturation throughput x%.2f\n", a / b, c / d }'
awk -v e="$(median "${cpu[typical]}")" -v f="$(median "${cpu[skipped]}")" \
  'BEGIN { printf "typical/skipped server CPU per request x%.2f; typical, CPU-bound: %.0f req/s per core\n", e / f, 1e6 / e }'
