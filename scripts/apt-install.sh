#!/usr/bin/env bash
# Installs Debian packages, quietly, as root (or through sudo):
#
#   bash scripts/apt-install.sh PACKAGE...
#
# Non-interactive, stdin closed, existing configuration files kept; apt's
# output is shown only when the install fails (exit status 1). The one place
# .ci/run, scripts/pg-server.sh and scripts/callgrind.sh install from.
set -euo pipefail
(($#)) || { echo "usage: $0 PACKAGE..." >&2; exit 2; }

if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "apt-install: need root (or sudo) to install $*" >&2; exit 1; }
    exec sudo bash "$0" "$@"
fi

aptlog=$(mktemp)
trap 'rm -f "$aptlog"' EXIT
if ! { env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; } \
    </dev/null >"$aptlog" 2>&1; then
    cat "$aptlog" >&2
    echo "apt-install: installing $* failed" >&2
    exit 1
fi
