#!/usr/bin/env bash
# Throwaway PostgreSQL server for Portcullis' tests.
#
#   scripts/pg-server.sh start DIR   # prints postgres://portcullis:portcullis@127.0.0.1:PORT/portcullis
#   scripts/pg-server.sh stop DIR    # stops that server (by PID) and removes DIR
#
# start: installs Debian's postgresql if no server binaries are found under
# /usr/lib/postgresql/*/bin, initdb's a cluster in DIR/data (owned by the
# `postgres` OS user when run as root), starts it on a free port bound to
# 127.0.0.1 only, with its unix socket in DIR, creates the superuser role
# `portcullis` (password `portcullis`) and the database `portcullis`, writes the
# postmaster's PID to DIR/server.pid and prints the URL as the only line on
# stdout. Everything else goes to stderr; the server log is DIR/postgres.log.
#
# stop: SIGINT (fast shutdown) to the PID in DIR/server.pid, waits for it to
# exit, then removes DIR. Safe to run when DIR or the server is already gone.
#
# Environment (optional):
#   PORTCULLIS_PG_LIBDIR   where to look for <version>/bin (default /usr/lib/postgresql)
set -euo pipefail

PG_LIBDIR="${PORTCULLIS_PG_LIBDIR:-/usr/lib/postgresql}"
MARKER=.portcullis-pg-server
ROLE=portcullis
PASSWORD=portcullis
DATABASE=portcullis

# Don't let a caller's libpq settings steer our own psql calls.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGOPTIONS PGDATA PGPASSFILE PGSERVICEFILE || true

log() { printf 'pg-server: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

# Newest <libdir>/<version>/bin that has the server binaries, or nothing.
find_bindir() {
    local d
    while IFS= read -r d; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" && -x "$d/pg_isready" && -x "$d/psql" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done < <(compgen -G "$PG_LIBDIR/*/bin" | sort -rV)
    return 0
}

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

install_postgresql() {
    log "no PostgreSQL server binaries under $PG_LIBDIR/*/bin; installing Debian's postgresql"
    # Don't let the package create and start a 'main' cluster on port 5432:
    # postgresql-common reads drop-ins from createcluster.d.
    as_root mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' | as_root tee /etc/postgresql-common/createcluster.d/00-portcullis-no-main.conf >/dev/null
    local t0=$SECONDS
    bash "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" postgresql || die "installing postgresql failed"
    log "installed postgresql in $((SECONDS - t0))s"
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        # Fallback: a random high port that nothing answers on.
        local p
        for _ in $(seq 50); do
            p=$((20000 + RANDOM % 40000))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
                echo "$p"
                return 0
            fi
        done
        die "could not find a free port"
    fi
}

# Is process $1 alive (and not a zombie)?
alive() {
    local pid=$1 state
    [[ -r /proc/$pid/stat ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Run a command as the cluster's OS user, from a directory it can read.
RUN_AS=()
as_pg() { (cd / && "${RUN_AS[@]}" "$@"); }

url_for() { printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$ROLE" "$PASSWORD" "$1" "$DATABASE"; }

stop_pid() {
    local pid=$1 i
    alive "$pid" || return 0
    if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres* ]]; then
        log "PID $pid is not a postgres process any more; not signalling it"
        return 0
    fi
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do # 30 s for a fast shutdown
        alive "$pid" || return 0
        sleep 0.1
    done
    log "PID $pid still running after 30s; immediate shutdown (SIGQUIT)"
    kill -QUIT "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    log "PID $pid still running; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    die "could not stop PID $pid"
}

cmd_start() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    local data=$dir/data logfile=$dir/postgres.log

    # Already running from an earlier start on this DIR: print its URL again.
    if [[ -f $dir/server.pid && -f $dir/port ]] && alive "$(cat "$dir/server.pid")"; then
        log "server already running in $dir (PID $(cat "$dir/server.pid"))"
        url_for "$(cat "$dir/port")"
        return 0
    fi
    if [[ -e $data ]]; then
        [[ -e $dir/$MARKER ]] || die "$data exists and $dir was not made by this script; refusing to touch it"
        log "removing stale cluster in $data"
        rm -rf "$data" "$dir/server.pid" "$dir/port"
    fi
    touch "$dir/$MARKER"

    # The unix socket path DIR/.s.PGSQL.NNNNN must fit in sun_path (107 bytes).
    if ((${#dir} + 18 > 107)); then
        die "DIR path too long for a unix socket: $dir (use a shorter path, e.g. under /tmp)"
    fi

    local bindir
    bindir=$(find_bindir)
    if [[ -z $bindir ]]; then
        install_postgresql
        bindir=$(find_bindir)
        [[ -n $bindir ]] || die "installed postgresql but still found no server binaries under $PG_LIBDIR/*/bin"
    fi
    log "using $bindir ($("$bindir/postgres" --version))"

    if [[ $EUID -eq 0 ]]; then
        # PostgreSQL refuses to run as root: run it as the postgres OS user.
        id -u postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user"
        RUN_AS=(runuser -u postgres --)
        chown -R postgres: "$dir"
        chmod 700 "$dir"
        as_pg test -w "$dir" || die "the postgres user cannot write $dir (check the permissions of its parent directories)"
    else
        RUN_AS=(env)
    fi

    local t0=$SECONDS
    as_pg "$bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync --no-instructions \
        >"$logfile.initdb" 2>&1 || {
        cat "$logfile.initdb" >&2
        die "initdb failed"
    }

    # The port can be taken between choosing it and binding it: retry a few times.
    local port attempt started=0
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_pg "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -k '$dir' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start </dev/null >/dev/null 2>&1; then
            started=1
            break
        fi
        log "start attempt $attempt on port $port failed:"
        tail -n 5 "$logfile" >&2 || true
        # A failed start may still have left a postmaster behind.
        if [[ -f $data/postmaster.pid ]]; then
            stop_pid "$(head -n 1 "$data/postmaster.pid")"
        fi
    done
    ((started)) || die "could not start PostgreSQL (log: $logfile)"

    local pid
    pid=$(head -n 1 "$data/postmaster.pid")
    echo "$pid" >"$dir/server.pid"
    echo "$port" >"$dir/port"

    # From here on, a failure must not leave the server running.
    trap 'stop_pid "$pid"' ERR

    local i
    for ((i = 0; i < 300; i++)); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -t 1; then
            break
        fi
        sleep 0.1
    done
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -t 5 || {
        stop_pid "$pid"
        die "server did not become ready (log: $logfile)"
    }

    as_pg "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        >/dev/null <<SQL
CREATE ROLE "$ROLE" LOGIN SUPERUSER PASSWORD '$PASSWORD';
CREATE DATABASE "$DATABASE" OWNER "$ROLE";
SQL
    trap - ERR
    log "PostgreSQL PID $pid listening on 127.0.0.1:$port (socket dir $dir) in $((SECONDS - t0))s"
    url_for "$port"
}

cmd_stop() {
    local dir=$1
    if [[ ! -e $dir ]]; then
        return 0
    fi
    dir=$(cd "$dir" && pwd -P)
    [[ $dir != / ]] || die "refusing to use / as DIR"

    local pid=""
    if [[ -f $dir/server.pid ]]; then
        pid=$(head -n 1 "$dir/server.pid")
    elif [[ -f $dir/data/postmaster.pid ]]; then
        pid=$(head -n 1 "$dir/data/postmaster.pid")
    fi
    if [[ -n $pid ]]; then
        [[ $pid =~ ^[0-9]+$ ]] || die "bad PID '$pid' in $dir"
        stop_pid "$pid"
        log "stopped PostgreSQL PID $pid"
    fi

    if [[ -e $dir/$MARKER ]]; then
        rm -rf "$dir"
    elif rmdir "$dir" 2>/dev/null; then
        : # was empty
    else
        log "not removing $dir: it was not made by this script"
    fi
}

[[ $# -eq 2 && -n $2 ]] || usage
case $1 in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
*) usage ;;
esac
