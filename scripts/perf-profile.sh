#!/usr/bin/env bash
# Where the guarded page's CPU goes natively, next to the one-lookup floor's:
# both served under `wrk -t2 -c64` (SQLite, the load benchmark's user and
# sign-in), server CPU a request from `perf stat`, then `perf record` with
# frame pointers and a table of microseconds a request by part
# (scripts/perf-table.py). Complements scripts/callgrind.sh, whose exact
# counts run single-connection under valgrind (software SHA, no kernel).
#   bash scripts/perf-profile.sh [SECONDS]   (default 8 a phase)
# Builds a frame-pointer release into target/profile (a few minutes the
# first time), installs linux-perf and wrk when missing (Debian), needs
# perf_event access (root, or kernel.perf_event_paranoid ≤ 1). Leaves
# page.perf and floor.perf in target/profile for `perf report -i`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
missing=()
command -v perf > /dev/null || missing+=(linux-perf)
command -v wrk > /dev/null || missing+=(wrk)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  bash scripts/apt-install.sh "${missing[@]}"
fi
for tool in perf wrk curl python3; do
  command -v "$tool" > /dev/null || { echo "perf-profile.sh needs $tool" >&2; exit 2; }
done
export CARGO_TARGET_DIR=target/profile
RUSTFLAGS="${RUSTFLAGS:-} -C force-frame-pointers=yes" \
  cargo build --release --locked -p demo -p portcullis-bench
bin=target/profile/release
out=target/profile

# shellcheck source=scripts/signed-in.sh
source scripts/signed-in.sh
signed_in "$bin"
"$bin/demo" --settings "$settings" --bind "127.0.0.1:$demo_port" > "$work/demo.log" 2>&1 &
pids+=($!)
demo_pid=$!
"$bin/bench-floor" --database "$db" --bind "127.0.0.1:$floor_port" > "$work/floor.log" 2>&1 &
pids+=($!)
floor_pid=$!
wait_up "http://127.0.0.1:$demo_port/login"
wait_up "http://127.0.0.1:$floor_port/floor"

# measure NAME PID URL COOKIE: warm up, then server CPU µs a request over
# $seconds of load, then a profile of another $seconds; sets $cpu_us.
measure() {
  local name=$1 pid=$2 url=$3 cookie=$4
  wrk -t2 -c64 -d2s -H "Cookie: $cookie" "$url" > /dev/null
  perf stat -e task-clock -x, -p "$pid" -o "$work/$name.stat" -- sleep "$seconds" &
  local stat=$!
  wrk -t2 -c64 -d"${seconds}s" -H "Cookie: $cookie" "$url" > "$work/$name.wrk"
  wait "$stat"
  local requests ms
  requests=$(awk '/requests in/ {print $1}' "$work/$name.wrk")
  ms=$(awk -F, '/task-clock/ {print $1}' "$work/$name.stat")
  cpu_us=$(python3 -c "print(round($ms * 1000 / $requests, 1))")
  echo "$name: $(awk '/Requests\/sec/ {print $2}' "$work/$name.wrk") req/s, $cpu_us µs server CPU a request"
  perf record -q -F 2999 -g -p "$pid" -o "$out/$name.perf" -- sleep "$seconds" > /dev/null 2>&1 &
  local rec=$!
  wrk -t2 -c64 -d"${seconds}s" -H "Cookie: $cookie" "$url" > /dev/null
  wait "$rec"
  perf script -i "$out/$name.perf" -F comm,ip,sym > "$work/$name.script" 2> /dev/null
}
measure floor "$floor_pid" "http://127.0.0.1:$floor_port/floor" "$sid"
floor_us=$cpu_us
measure page "$demo_pid" "http://127.0.0.1:$demo_port/dashboard" "$cookie"
page_us=$cpu_us
echo "floor ÷ page CPU: $(python3 -c "print(f'{$floor_us / $page_us:.2f}')")"
python3 scripts/perf-table.py "$work/page.script" "$page_us" "$work/floor.script" "$floor_us"
