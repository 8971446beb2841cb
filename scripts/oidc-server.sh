#!/usr/bin/env bash
# A real OpenID provider (npm `oidc-provider` 9, scripts/oidc-provider/) for
# Portcullis' tests and demo.
#
#   scripts/oidc-server.sh start DIR [APP_ORIGIN]  # prints http://127.0.0.1:PORT (the issuer) last
#   scripts/oidc-server.sh stop DIR                # stops that server (by PID) and removes DIR
#
# start: runs `npm ci` in scripts/oidc-provider when its node_modules is
# missing (Debian's nodejs and npm are installed first when `node` is
# missing), starts provider.mjs on a free port bound to 127.0.0.1 with
# redirect URIs under APP_ORIGIN (default http://127.0.0.1:8000), waits until
# its discovery document answers, writes the PID to DIR/server.pid and prints
# the issuer URL as the last line on stdout. The log is DIR/provider.log.
#
# stop: SIGTERM to the PID in DIR/server.pid, then removes DIR. Safe when DIR
# or the server is already gone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'oidc-server: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start() {
    local dir=$1 origin=${2:-http://127.0.0.1:8000}
    mkdir -p "$dir"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        log "node or npm missing; installing Debian's nodejs and npm"
        bash "$here/apt-install.sh" nodejs npm >&2 || die "installing nodejs failed"
    fi
    if [[ ! -d "$here/oidc-provider/node_modules/oidc-provider" ]]; then
        log "installing the provider's node packages (npm ci)"
        (cd "$here/oidc-provider" && npm ci --no-audit --no-fund >&2) || die "npm ci failed"
    fi
    local port
    port=$(free_port)
    node "$here/oidc-provider/provider.mjs" "$port" "$origin" >"$dir/provider.log" 2>&1 &
    echo $! >"$dir/server.pid"
    local issuer="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do
        if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
            cat "$dir/provider.log" >&2
            die "the provider exited"
        fi
        if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
            "$issuer/.well-known/openid-configuration" 2>/dev/null; then
            echo "$issuer"
            return 0
        fi
        sleep 0.1
    done
    cat "$dir/provider.log" >&2
    die "the provider did not answer within 10 s"
}

stop() {
    local dir=$1
    if [[ -f "$dir/server.pid" ]]; then
        local pid
        pid=$(cat "$dir/server.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start) [[ $# -ge 2 ]] || die "usage: $0 start DIR [APP_ORIGIN]"; start "$2" "${3:-}" ;;
stop) [[ $# -ge 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
*) echo "usage: $0 start DIR [APP_ORIGIN] | stop DIR" >&2; exit 2 ;;
esac
