# Sourced by scripts/callgrind.sh and scripts/perf-profile.sh: the set-up both
# measure from. After `signed_in BIN`, with BIN holding demo and
# portcullis-bench:
#   $work        a temporary directory, removed on exit
#   $db          a SQLite database with the load benchmark's user (a group
#                with two permissions and a direct one)
#   $settings    demo settings serving $db on 127.0.0.1:$demo_port
#   $floor_port  a free port for bench-floor
#   $cookie      the demo's session cookie, signed in through the real form
#   $sid         the floor's cookie (sid=<stored key hash>)
# Servers started with `pids+=($!)` are killed on exit.

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 120); do curl -s -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

signed_in() {
  local bin=$1
  demo_port=$(port)
  floor_port=$(port)
  db="sqlite://$work/db.sqlite?mode=rwc"
  settings="$work/settings.toml"
  printf '[auth]\nsite_origin = "http://127.0.0.1:%s"\n\n[database]\nurl = "%s"\n' "$demo_port" "$db" > "$settings"
  "$bin/portcullis-bench" prepare --database "$db"
  "$bin/demo" --settings "$settings" --bind "127.0.0.1:$demo_port" > "$work/demo.log" 2>&1 &
  pids+=($!)
  wait_up "http://127.0.0.1:$demo_port/login"
  { read -r cookie && read -r sid; } < <("$bin/portcullis-bench" sign-in --database "$db" --demo "127.0.0.1:$demo_port") || true
  kill "${pids[-1]}"
  wait "${pids[-1]}" 2> /dev/null || true
  [[ -n $cookie && -n $sid ]] || { echo "signing in failed" >&2; exit 1; }
}
