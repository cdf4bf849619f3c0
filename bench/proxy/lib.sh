# Shared by the proxy bench scripts (source it after `cd` to the repository root, with WORK set).

# build_proxy_at_head: builds proxy-service of the committed HEAD in a scratch copy (other engineers edit
# the work tree and rebuild proxy-service/target meanwhile), once per revision, shared with
# bench/proxy-bench.sh's scratch build. Sets REVISION, SRC (with cp.txt, the test classpath) and APP.
build_proxy_at_head() {
  REVISION="$(git rev-parse --short HEAD)"
  SRC="/tmp/qmesh-proxy-bench-build.$REVISION"
  if [ ! -s "$SRC/cp.txt" ]; then
    rm -rf "$SRC"; mkdir -p "$SRC"
    git archive HEAD pom.xml mvnw .mvn proxy-service | tar -x -C "$SRC"
    (cd "$SRC" && ./mvnw -B -q -f proxy-service/pom.xml package -DskipTests \
      && ./mvnw -B -q -f proxy-service/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
           -Dmdep.outputFile="$SRC/cp.txt") > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; return 1; }
  fi
  APP="$SRC/proxy-service/target"
}

# free_ports N: N loopback ports free right now, space-separated.
free_ports() {
  python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# Reads numbers on stdin, prints their median ("-" for none).
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# wrk's latencies (123.45us, 1.20ms, 2.00s) on stdin, in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}'; }
