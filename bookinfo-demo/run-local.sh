#!/usr/bin/env bash
# Runs Istio's bookinfo on this machine without a mesh: six workloads, each on its own loopback
# address and bookinfo's port 9080, as they would be in six pods.
#
#   productpage v1  127.0.0.1:9080   open http://127.0.0.1:9080/productpage
#   details v1      127.0.0.2:9080
#   ratings v1      127.0.0.3:9080
#   reviews v1      127.0.0.4:9080   (no stars)
#   reviews v2      127.0.0.5:9080   (black stars)
#   reviews v3      127.0.0.6:9080   (red stars)
#
# Without a mesh nothing balances between the reviews versions, so productpage talks to ONE of them:
# v2 unless REVIEWS_VERSION=v1|v2|v3 says otherwise. reviews v2 and v3 call ratings directly.
# Ctrl-C stops all six. Builds the services first if their jars are missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
reviews_version="${REVIEWS_VERSION:-v2}"
logs="$here/target/run-local"
java_opts=(${JAVA_OPTS:--Xmx128m -XX:+UseSerialGC})

case "$reviews_version" in
  v1) reviews_ip=127.0.0.4 ;;
  v2) reviews_ip=127.0.0.5 ;;
  v3) reviews_ip=127.0.0.6 ;;
  *) echo "REVIEWS_VERSION: '$reviews_version' (expected: v1, v2 or v3)" >&2; exit 2 ;;
esac

services=(productpage details reviews ratings)
missing=0
for s in "${services[@]}"; do
  [ -f "$here/$s/target/quarkus-app/quarkus-run.jar" ] || missing=1
done
if [ "$missing" = 1 ]; then
  echo "Building the bookinfo services (once) ..."
  (cd "$root" && ./mvnw -q -pl bookinfo-demo/productpage,bookinfo-demo/details,bookinfo-demo/reviews,bookinfo-demo/ratings -am package -DskipTests)
fi

mkdir -p "$logs"
pids=()
names=()

stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "Stopping ${#pids[@]} workloads ..."
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME SERVICE IP [VAR=value ...]: one workload in the background, its output in $logs/NAME.log.
start() {
  local name="$1" service="$2" ip="$3"
  shift 3
  env "$@" QUARKUS_HTTP_HOST="$ip" QUARKUS_HTTP_PORT=9080 \
    java "${java_opts[@]}" -jar "$here/$service/target/quarkus-app/quarkus-run.jar" >"$logs/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
}

start details-v1  details  127.0.0.2
start ratings-v1  ratings  127.0.0.3
start reviews-v1  reviews  127.0.0.4 SERVICE_VERSION=v1 HOSTNAME=reviews-v1 RATINGS_HOSTNAME=127.0.0.3
start reviews-v2  reviews  127.0.0.5 SERVICE_VERSION=v2 HOSTNAME=reviews-v2 RATINGS_HOSTNAME=127.0.0.3
start reviews-v3  reviews  127.0.0.6 SERVICE_VERSION=v3 HOSTNAME=reviews-v3 RATINGS_HOSTNAME=127.0.0.3
start productpage-v1 productpage 127.0.0.1 DETAILS_HOSTNAME=127.0.0.2 REVIEWS_HOSTNAME="$reviews_ip" \
  RATINGS_HOSTNAME=127.0.0.3

# Wait until every workload says it is listening; stop everything if one dies.
for i in "${!pids[@]}"; do
  until grep -q "Listening on" "$logs/${names[$i]}.log" 2>/dev/null; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "${names[$i]} failed to start; the end of $logs/${names[$i]}.log:" >&2
      tail -n 20 "$logs/${names[$i]}.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done

echo "bookinfo is up: http://127.0.0.1:9080/productpage (reviews $reviews_version)"
echo "logs: $logs/{productpage-v1,details-v1,ratings-v1,reviews-v1,reviews-v2,reviews-v3}.log"
echo "Ctrl-C stops all six."
wait -n "${pids[@]}" || true
echo "a workload exited; see $logs" >&2
exit 1
