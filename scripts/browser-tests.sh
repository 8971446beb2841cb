#!/usr/bin/env bash
# The real-browser suite: Debian's Chromium driven by npm playwright-core,
# accessibility checked by npm axe-core (tests/browser/), against the demo:
#
#   bash scripts/browser-tests.sh [FILE...]   # default: every file in tests/browser/suite/
#
# Installs what is missing (chromium, node and npm from Debian; the npm
# packages from tests/browser/package-lock.json), builds the demo and starts,
# each on a free 127.0.0.1 port: the demo over a temporary SQLite database;
# the local OpenID provider (scripts/oidc-server.sh) and a demo signing in
# with it; a demo with mandatory email verification; a throwaway PostgreSQL
# (scripts/pg-server.sh) and a demo on it, whose test stops the database to
# see the outage page. Runs the suite, and stops every server by PID on exit.
# Screenshots of every page (desktop and mobile) land in the folder printed
# at the start; the demos' output (their console mail) beside it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
    echo "browser-tests: installing ${missing[*]}"
    bash scripts/apt-install.sh "${missing[@]}"
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

cargo build -p demo --quiet
demo_bin="${CARGO_TARGET_DIR:-target}/debug/demo"

work=$(mktemp -d /tmp/portcullis-browser.XXXXXX)
shots="$work/screenshots"
mkdir -p "$shots" "$work/db"
# PostgreSQL runs as the postgres OS user under root: its folder is not under
# the private $work. pg-server.sh removes it again on stop.
pg_dir=$(mktemp -d /tmp/portcullis-browser-pg.XXXXXX)
oidc_dir="$work/oidc-provider"
pids=()
pg_start_pid=
suite_pid=
stop() {
    local pid
    if [[ -n "$suite_pid" ]]; then
        kill -TERM -- "-$suite_pid" 2>/dev/null || true
        wait "$suite_pid" 2>/dev/null || true
    fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    # A PostgreSQL still starting writes its PID file first.
    if [[ -n "$pg_start_pid" ]]; then wait "$pg_start_pid" 2>/dev/null || true; fi
    bash scripts/pg-server.sh stop "$pg_dir" 2>/dev/null || true
    bash scripts/oidc-server.sh stop "$oidc_dir" || true
    rm -rf "$work/db"
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_demo NAME PORT SETTINGS [VAR=VALUE...]: the demo on 127.0.0.1:PORT
# with SETTINGS and these overrides, its output in $work/NAME.log.
start_demo() {
    local name=$1 port=$2 settings=$3
    shift 3
    env PORTCULLIS__AUTH__SITE_ORIGIN="http://127.0.0.1:$port" "$@" \
        "$demo_bin" --settings "$settings" --bind "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
    pids+=($!)
}

# wait_demo NAME PORT INDEX: until its login page answers (INDEX: its place in pids).
wait_demo() {
    local name=$1 port=$2 pid=${pids[$3]}
    for _ in $(seq 100); do
        if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/login', timeout=1)" 2>/dev/null; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$name.log" >&2
    echo "browser-tests: the $name demo did not start" >&2
    exit 1
}

port=$(free_port) outage_port=$(free_port) oidc_port=$(free_port) verify_port=$(free_port)
demo_settings=crates/demo/settings.toml

# The outage demo's own PostgreSQL (which its test stops) and the OpenID
# provider, started side by side.
bash scripts/pg-server.sh start "$pg_dir" >"$work/pg.url" 2>"$work/pg.log" &
pg_start_pid=$!
issuer=$(bash scripts/oidc-server.sh start "$oidc_dir" "http://127.0.0.1:$oidc_port" | tail -1)

# The main demo: its own settings (its branding), a throwaway database, this
# port as the site's origin (CSRF origin check), and a per-account
# failed-login limit low enough for the suite to reach the 429 page.
start_demo main "$port" "$demo_settings" \
    PORTCULLIS__DATABASE__URL="sqlite://$work/db/demo.db?mode=rwc" \
    PORTCULLIS__SECURITY__RATE_LIMITS__LOGIN_FAILED="30/m/ip,3/5m/key"
# Sign-in with the local provider, as scripts/demo-oidc.sh configures it.
{
    cat "$demo_settings"
    cat <<TOML

[oidc]
[[oidc.providers]]
id = "demo"
display_name = "Local IdP"
issuer = "$issuer"
client_id = "portcullis-confidential"
client_secret_env = "PORTCULLIS_DEMO_OIDC_SECRET"
extra_scopes = ["groups"]
groups_claim = "groups"
TOML
} >"$work/oidc-settings.toml"
start_demo oidc "$oidc_port" "$work/oidc-settings.toml" \
    PORTCULLIS_DEMO_OIDC_SECRET=portcullis-test-secret \
    PORTCULLIS__DATABASE__URL="sqlite://$work/db/oidc.db?mode=rwc"
# No sign-in before the address is confirmed.
start_demo verify "$verify_port" "$demo_settings" \
    PORTCULLIS__DATABASE__URL="sqlite://$work/db/verify.db?mode=rwc" \
    PORTCULLIS__AUTH__EMAIL_VERIFICATION=mandatory

wait "$pg_start_pid" || { cat "$work/pg.log" >&2; echo "browser-tests: PostgreSQL did not start" >&2; exit 1; }
pg_start_pid=
pg_url=$(tail -1 "$work/pg.url")
# On PostgreSQL, which the test stops: one hashing thread with slow hashes
# and no wait allowed, so a few sign-ins at once get the "busy" 503; a
# short pool wait, so the database outage answers within a second.
start_demo outage "$outage_port" "$demo_settings" \
    PORTCULLIS__DATABASE__URL="$pg_url" PORTCULLIS__DATABASE__AUTO_MIGRATE=true \
    PORTCULLIS__DATABASE__ACQUIRE_TIMEOUT_SECS=1 \
    PORTCULLIS__SECURITY__HASH_WORKERS=1 \
    PORTCULLIS__SECURITY__HASH_MAX_WAIT_MS=1 \
    PORTCULLIS__SECURITY__ARGON2_ITERATIONS=20

wait_demo main "$port" 0
wait_demo oidc "$oidc_port" 1
wait_demo verify "$verify_port" 2
wait_demo outage "$outage_port" 3

echo "browser-tests: demos on http://127.0.0.1:$port (main), :$oidc_port (OpenID, provider $issuer), :$verify_port (mandatory verification), :$outage_port (PostgreSQL); PIDs ${pids[*]}"
echo "browser-tests: screenshots in $shots"
BASE_URL="http://127.0.0.1:$port" DEMO_LOG="$work/main.log" \
OIDC_URL="http://127.0.0.1:$oidc_port" OIDC_ISSUER="$issuer" \
VERIFY_URL="http://127.0.0.1:$verify_port" VERIFY_LOG="$work/verify.log" \
OUTAGE_URL="http://127.0.0.1:$outage_port" OUTAGE_PG_URL="$pg_url" OUTAGE_PG_DIR="$pg_dir" \
SCREENSHOTS="$shots" \
    setsid node --test --test-concurrency=1 "${@:-tests/browser/suite/}" &
# In its own process group (setsid), waited for in the background: a signal
# runs the trap at once, which stops the suite and its browsers first.
suite_pid=$!
wait "$suite_pid"
