#!/usr/bin/env bash
# A real Elasticsearch 7.10.2 node on 127.0.0.1, run by the project without Docker (see pom.xml).
#
#   tools/elasticsearch/es.sh install      Java (apt, as root, when missing) and the node's jars into lib/ (Maven)
#   tools/elasticsearch/es.sh start [DIR]  start a node with its data in DIR (default var/elasticsearch) on a free
#                                          port, wait until the cluster is green, print its URL
#   tools/elasticsearch/es.sh url [DIR]    print the URL of the running node (exit 1 when none runs)
#   tools/elasticsearch/es.sh stop [DIR]   stop it
#
# Downloads happen in `install` only; `start` runs offline. DMS_ES_HEAP sets the heap (default 512m).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/lib
MAIN=org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner

say() { echo "elasticsearch: $*" >&2; }
die() { say "$*"; exit 1; }

apt_install() {
  [ "$(id -u)" = 0 ] || die "missing system packages: $* — install them with: sudo apt-get install $*"
  say "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

install() {
  command -v java >/dev/null && [ "$(java_major)" -ge 11 ] || apt_install openjdk-17-jre-headless
  if [ ! -f "$LIB/.installed" ] || [ "$HERE/pom.xml" -nt "$LIB/.installed" ]; then
    command -v mvn >/dev/null || apt_install maven
    say "fetching Elasticsearch 7.10.2 (org.codelibs:elasticsearch-cluster-runner) into $LIB"
    rm -rf "$LIB"
    mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies
    touch "$LIB/.installed"
  fi
}

dir_of() { local d=${1:-$HERE/../../var/elasticsearch}; mkdir -p "$d"; cd "$d" && pwd; }

running() {  # running DIR — the node of DIR is alive and answers
  local dir=$1
  [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && [ -f "$dir/url" ] \
    && curl -sf "$(cat "$dir/url")/_cluster/health" >/dev/null
}

# The runner accepts HTTP ports up to 9299 only: the first free port from 9201 on.
free_port() {
  python3 - <<'PY'
import socket
for port in range(9201, 9300):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    raise SystemExit("no free port in 9201-9299")
PY
}

start() {
  local dir; dir=$(dir_of "${1:-}")
  if running "$dir"; then cat "$dir/url"; return; fi
  [ -f "$LIB/.installed" ] || die "not installed: run $0 install"
  stop "$dir" 2>/dev/null || true
  rm -f "$dir/url"
  local port; port=$(free_port)
  # What a packaged distribution gives the node at start (bin/elasticsearch → jvm.options): the build flavour
  # and type, which the official 7.14+ clients check; and no JNDI lookups in log messages (Log4Shell).
  # The runner's HTTP port is baseHttpPort + node number, so base = port - 1 asks for `port`; a cluster name of
  # its own keeps two nodes on this machine (tests beside `make run-cluster`) from joining each other.
  # shellcheck disable=SC2086
  nohup java -Xms"${DMS_ES_HEAP:-512m}" -Xmx"${DMS_ES_HEAP:-512m}" \
    -Des.distribution.flavor=default -Des.distribution.type=tar -Dlog4j2.formatMsgNoLookups=true \
    -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djava.io.tmpdir="$dir" \
    -cp "$LIB/*" "$MAIN" -basePath "$dir/home" -numOfNode 1 -baseHttpPort $((port - 1)) \
    -clusterName "eakte-$port" >"$dir/node.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  local bound=""
  for _ in $(seq 1 240); do
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { tail -30 "$dir/node.log" >&2; die "the node exited at start"; }
    bound=$(sed -n 's/.*AbstractHttpServerTransport.*publish_address {127\.0\.0\.1:\([0-9]*\)}.*/\1/p' \
      "$dir/node.log" | tail -1)
    [ -n "$bound" ] && break
    sleep 0.5
  done
  [ -n "$bound" ] || { stop "$dir"; die "the node did not open its HTTP port within 2 minutes ($dir/node.log)"; }
  local url=http://127.0.0.1:$bound
  curl -sf "$url/_cluster/health?wait_for_status=green&timeout=60s" >/dev/null \
    || { stop "$dir"; die "the cluster did not turn green ($dir/node.log)"; }
  echo "$url" >"$dir/url"
  say "Elasticsearch 7.10.2 ready on $url (data in $dir)"
  echo "$url"
}

url() { local dir; dir=$(dir_of "${1:-}"); running "$dir" && cat "$dir/url"; }

stop() {
  local dir; dir=$(dir_of "${1:-}")
  [ -f "$dir/pid" ] || return 0
  local pid; pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid" "$dir/url"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  url) url "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 install|start [DIR]|url [DIR]|stop [DIR]" ;;
esac
