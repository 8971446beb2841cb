#!/usr/bin/env bash
# Throwaway SMTP server for Portcullis' mail tests: Python's aiosmtpd (from
# Debian) storing every message it receives in a Maildir.
#
#   scripts/smtp-sink.sh start DIR   # prints smtp://127.0.0.1:PORT
#   scripts/smtp-sink.sh stop DIR    # stops that server (by PID) and removes DIR
#
# start: installs Debian's python3-aiosmtpd when /usr/bin/python3 cannot
# import it, starts `python3 -m aiosmtpd` bound to 127.0.0.1 only on a free
# port with the Mailbox handler writing into DIR/maildir (each message a file
# under DIR/maildir/new), waits until it answers, writes its PID to
# DIR/server.pid and prints the URL as the only line on stdout. Its log is
# DIR/smtp.log.
#
# stop: SIGTERM to the PID in DIR/server.pid, then removes DIR. Safe to run
# when DIR or the server is already gone.
set -euo pipefail

# Debian's aiosmtpd belongs to Debian's python, not another one on PATH.
PY=/usr/bin/python3
MARKER=.portcullis-smtp-sink

log() { printf 'smtp-sink: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

start() {
    local dir=$1
    if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
        log "installing python3-aiosmtpd"
        bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" python3-aiosmtpd >&2
    fi
    # Not the maildir itself: Maildir() makes its tmp/new/cur only when it creates the folder.
    mkdir -p "$dir"
    touch "$dir/$MARKER"
    local port
    port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # -n: no setuid to nobody (the maildir is ours); stdin closed, detached.
    nohup "$PY" -m aiosmtpd -n -l "127.0.0.1:$port" \
        -c aiosmtpd.handlers.Mailbox "$dir/maildir" \
        </dev/null >"$dir/smtp.log" 2>&1 &
    echo $! >"$dir/server.pid"
    for _ in $(seq 1 100); do
        if "$PY" - "$port" <<'PYEOF' 2>/dev/null; then
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=1) as s:
    s.noop()
PYEOF
            echo "smtp://127.0.0.1:$port"
            return 0
        fi
        kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || { cat "$dir/smtp.log" >&2; die "aiosmtpd exited"; }
        sleep 0.1
    done
    cat "$dir/smtp.log" >&2
    die "aiosmtpd did not answer on port $port"
}

stop() {
    local dir=$1
    [[ -d "$dir" ]] || return 0
    [[ -f "$dir/$MARKER" ]] || die "$dir was not made by this script; not removing it"
    if [[ -f "$dir/server.pid" ]]; then
        local pid
        pid=$(cat "$dir/server.pid")
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
}

case "${1:-} ${2:-}" in
start\ ?*) start "$2" ;;
stop\ ?*) stop "$2" ;;
*)
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
    ;;
esac
