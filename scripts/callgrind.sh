#!/usr/bin/env bash
# Instructions per request for the guarded page and the one-lookup floor, under
# valgrind's callgrind: exact counts that repeat to a fraction of a percent, so
# a change of a few percent shows where req/s figures drown in noise
# (docs/BENCHMARKS.md, "Where the guarded page's time goes").
#   bash scripts/callgrind.sh                report (SQLite)
#   bash scripts/callgrind.sh --check 2.8    also exit 1 when the page costs more
#                                            than 2.8× the floor's instructions
# Installs valgrind when missing (Debian). Leaves the callgrind files in
# $CALLGRIND_OUT (default target/callgrind; each run replaces the last's) for
# callgrind_annotate --inclusive=yes FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=
if [[ ${1:-} == --check ]]; then
  limit=${2:?--check needs the highest page ÷ floor ratio}
fi
if ! command -v valgrind > /dev/null; then
  echo "installing valgrind"
  bash scripts/apt-install.sh valgrind
fi
for tool in valgrind callgrind_control curl python3; do
  command -v "$tool" > /dev/null || { echo "callgrind.sh needs $tool" >&2; exit 2; }
done
cargo build --release --locked -p demo -p portcullis-bench
bin=target/release
out=${CALLGRIND_OUT:-target/callgrind}
mkdir -p "$out"
# Only this run's files: earlier runs' (named by PID) would pile up.
rm -f "$out"/floor.* "$out"/demo.*
# shellcheck source=scripts/signed-in.sh
source scripts/signed-in.sh
signed_in "$bin"

# GET URL COUNT times on one keep-alive connection, one request at a time
# (the same work on every run), failing on anything but 200.
get() {
  python3 - "$1" "$2" "$3" << 'PY'
import http.client, sys, urllib.parse
url, cookie, count = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
for _ in range(count):
    conn.request("GET", url.path, headers={"Cookie": cookie})
    reply = conn.getresponse()
    reply.read()
    if reply.status != 200:
        sys.exit(f"GET {url.path} answered {reply.status}")
PY
}

requests=1000
# profile NAME URL COOKIE COMMAND...: warm up, zero the counters, measure, dump;
# sets $per_request to the instructions a request.
profile() {
  local name=$1 url=$2 cookie=$3
  shift 3
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.%p" "$@" > "$work/$name.log" 2>&1 &
  local vpid=$!
  pids+=("$vpid")
  wait_up "$url"
  get "$url" "$cookie" 200
  callgrind_control -z "$vpid" > /dev/null 2>&1
  get "$url" "$cookie" "$requests"
  callgrind_control -d "$vpid" > /dev/null 2>&1
  kill "$vpid"
  wait "$vpid" 2> /dev/null || true
  # The dump after zeroing holds only the measured requests.
  per_request=$(($(awk '/^summary:/ {print $2}' "$out/$name.$vpid.1") / requests))
}

# The floor on raw connections, as Portcullis' session read runs (no pool): the
# gate then counts the auth layer's own instructions, not the pool hops it saves.
profile floor "http://127.0.0.1:$floor_port/floor" "$sid" \
  "$bin/bench-floor" --database "$db" --bind "127.0.0.1:$floor_port" --pool raw
floor=$per_request
profile demo "http://127.0.0.1:$demo_port/dashboard" "$cookie" \
  "$bin/demo" --settings "$settings" --bind "127.0.0.1:$demo_port"
page=$per_request
ratio=$(python3 -c "print(f'{$page / $floor:.2f}')")
echo "instructions a request ($requests sequential requests each, callgrind files in $out):"
echo "  one-lookup floor $floor, guarded page $page: page ÷ floor $ratio${limit:+ (limit ≤ $limit)}"
# Compared unrounded: 2.754 is over a 2.75 limit.
if [[ -n $limit ]] && python3 -c "import sys; sys.exit(0 if $page / $floor > $limit else 1)"; then
  echo "FAIL: the guarded page costs more than $limit× the floor's instructions" >&2
  exit 1
fi
