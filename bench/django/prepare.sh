#!/usr/bin/env bash
# Prepares the Django comparison app: venv in WORKDIR/venv, migrations, user `bench`.
#
#   BENCH_DJANGO_DB=/tmp/x/db.sqlite3 bench/django/prepare.sh WORKDIR
#   BENCH_DJANGO_PG_URL=postgres://u:p@127.0.0.1:5432/db bench/django/prepare.sh WORKDIR
#
# Env: BENCH_DJANGO_DB or BENCH_DJANGO_PG_URL (one is required; PG wins),
#      BENCH_PASSWORD (default bench-password-123), BENCH_DJANGO_SECRET (optional).
# Prints only errors; exits non-zero on failure.
set -euo pipefail

die() {
    printf 'prepare.sh: error: %s\n' "$*" >&2
    exit 1
}

[[ $# -eq 1 ]] || die "usage: $0 WORKDIR"
if [[ -z "${BENCH_DJANGO_PG_URL:-}" && -z "${BENCH_DJANGO_DB:-}" ]]; then
    die "set BENCH_DJANGO_DB (SQLite file) or BENCH_DJANGO_PG_URL"
fi

if [[ -z "${BENCH_DJANGO_PG_URL:-}" ]]; then
    mkdir -p "$(dirname "$BENCH_DJANGO_DB")"
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
WORKDIR="$(cd "$1" && pwd)"
VENV="$WORKDIR/venv"
export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the repo
export BENCH_PASSWORD="${BENCH_PASSWORD:-bench-password-123}"

if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
fi

"$VENV/bin/pip" install --quiet --disable-pip-version-check \
    'django>=5.1,<5.3' 'gunicorn>=27' argon2-cffi 'psycopg[binary]' ||
    die "pip install failed"

cd "$HERE"
export DJANGO_SETTINGS_MODULE=benchsite.settings
"$VENV/bin/python" manage.py migrate --noinput --verbosity 0 ||
    die "migrate failed"

"$VENV/bin/python" manage.py shell --verbosity 0 -c '
import os
from django.contrib.auth import get_user_model
U = get_user_model()
u, _ = U.objects.get_or_create(username="bench")
u.set_password(os.environ["BENCH_PASSWORD"])
u.is_active = True
u.save()
' || die "creating user bench failed"
