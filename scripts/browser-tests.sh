#!/usr/bin/env bash
# The real-browser suite: Debian's Chromium driven by npm playwright-core,
# accessibility checked by npm axe-core (tests/browser/), against the demo:
#
#   bash scripts/browser-tests.sh
#
# Installs what is missing (chromium, node and npm from Debian; the npm
# packages from tests/browser/package-lock.json), builds the demo, starts it
# on a free 127.0.0.1 port over a temporary SQLite database, runs the suite,
# and stops the demo by PID on exit. Screenshots of every page (desktop and
# mobile) land in the folder printed at the start.
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
mkdir -p "$shots"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
demo_pid=
stop() {
    if [[ -n "$demo_pid" ]]; then kill "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; fi
    rm -rf "$work/db"
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work/db"
# The demo's own settings (its branding), a throwaway database, this port as
# the site's origin (CSRF origin check), and a per-account failed-login limit
# low enough for the suite to reach the 429 page.
PORTCULLIS__DATABASE__URL="sqlite://$work/db/demo.db?mode=rwc" \
PORTCULLIS__AUTH__SITE_ORIGIN="http://127.0.0.1:$port" \
PORTCULLIS__SECURITY__RATE_LIMITS__LOGIN_FAILED="30/m/ip,3/5m/key" \
    "$demo_bin" --settings crates/demo/settings.toml --bind "127.0.0.1:$port" >"$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/login', timeout=1)" 2>/dev/null; then
        break
    fi
    kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.log" >&2; echo "browser-tests: the demo did not start" >&2; exit 1; }
    sleep 0.1
done

echo "browser-tests: demo on http://127.0.0.1:$port (PID $demo_pid); screenshots in $shots"
BASE_URL="http://127.0.0.1:$port" SCREENSHOTS="$shots" DEMO_LOG="$work/demo.log" \
    node --test --test-concurrency=1 tests/browser/suite/
